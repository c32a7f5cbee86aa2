"""Verdicts domain: the stored community verdict, its history, recomputes and transitions."""
