"""What a file storage is asked and a team store answers harmlessly (no file, no lock).

Pure Python, no Qt.
"""

from __future__ import annotations

from typing import Any

from monitor.model.entities import Scenario


class FileLikeAnswers:
    """The :class:`monitor.model.storage.FileStorage` questions that have no meaning for a
    team store: there is no file to save or watch, no lock (analysts work at the same
    time) and no journal to recover (unsent changes are in the outbox)."""

    def save(self, scenario: Scenario, *, force: bool = False, path: Any = None) -> None:
        """Nothing to do: every change is on the server (or in the outbox) already."""
        del scenario, force, path

    def changed_on_disk(self) -> bool:
        return False

    def adopt_disk_version(self) -> None:
        pass

    def pending_recovery(self, scenario: Scenario | None = None) -> None:
        del scenario

    def pending_recoveries(self) -> list[Any]:
        return []

    def discard_journal(self) -> None:
        """The log keeps every change (history is never rewritten): nothing to discard."""

    def acquire_lock(self) -> None:
        """No lock: analysts work on the store at the same time."""

    def lock_holder(self) -> None:
        return None

    def release_lock(self) -> None:
        pass


__all__ = ["FileLikeAnswers"]
