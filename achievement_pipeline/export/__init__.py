"""The export stage's logic: the portfolio document, achievement grouping, subjects, the schema, renderers."""
