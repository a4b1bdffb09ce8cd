"""Predict: category (stated, else predicted), the impact scorecard and review sentiment per PR."""
