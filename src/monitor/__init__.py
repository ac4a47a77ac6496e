"""Situation Monitor: a desktop dashboard for analysts watching a fast-moving situation."""

__version__ = "0.1.0"
