"""Evaluation: typed datasets, metrics, runners and reports (datasets live in ``evals/``)."""
