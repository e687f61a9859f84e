"""Evaluation of the matcher on the project's labelled development set."""
