"""Training: the category and review-sentiment models, fitted on the whole warehouse history."""
