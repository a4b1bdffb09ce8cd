"""Predict: category, impact and review sentiment per PR from the MLflow champion models."""
