"""Untrusted text from a scenario file, tidied for print (plain strings, never markup)."""

from __future__ import annotations

from typing import Any


def clean(text: Any) -> str:
    """Untrusted text as one tidy plain string (never None)."""
    return "" if text is None else str(text).replace("\r\n", "\n").replace("\r", "\n").strip()


def one_line(text: Any) -> str:
    return " ".join(clean(text).split())
