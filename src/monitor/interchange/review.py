"""The review of an import as lines of text (``--dry-run`` prints them; the dialog shows the
same sections). Pure Python, no Qt."""

from __future__ import annotations

from monitor.interchange.merge import Review


def review_lines(review: Review, *, limit: int | None = 20, dry_run: bool = True) -> list[str]:
    c = review.counts()
    head = "Dry run: nothing changed." if dry_run else "Import:"
    lines = [
        f"{head} {review.file} ({review.format}, {review.variant}; sha256 {review.sha256[:12]}…)",
        f"  new {c['new']} · updated {c['updated']} · unchanged {c['unchanged']} · skipped "
        f"{c['skipped']} · rejected {c['rejected']}",
    ]
    if review.flagged or review.withdrawn or review.new_sources:
        lines.append(f"  flagged missing from the feed {c['flagged_missing']} · withdrawn "
                     f"{c['withdrawn']} · new sources {c['new_sources']}")

    def section(title: str, items: list[str]) -> None:
        if not items:
            return
        lines.append(f"{title} ({len(items)}):")
        shown = items if limit is None else items[:limit]
        lines.extend(f"  {x}" for x in shown)
        if len(shown) < len(items):
            lines.append(f"  … and {len(items) - len(shown)} more")

    section("Rejected", [f"{r.where}: {r.reason}" for r in review.rejected])
    section("Skipped", [f"{r.where}: {r.reason}" for r in review.skipped])
    section("Updated", [
        f"{u.where}: {u.event_id}: " + (", ".join(u.fields) or "feed timestamp only")
        + (f" (kept the analyst's {', '.join(u.kept)})" if u.kept else "")
        for u in review.updated])
    section("Missing from the feed now (flagged, not deleted)", review.flagged)
    section("Withdrawn by the feed", review.withdrawn)
    return lines
