"""The enrich stage's logic: features, redaction, the narrative contract, the offline summariser, number checks."""
