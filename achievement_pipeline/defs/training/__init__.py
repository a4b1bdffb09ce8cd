"""Training: the category, impact and review-sentiment models, fitted on the whole warehouse history."""
