"""The validate stage's rules: business plausibility and the Great Expectations suite of every table."""
