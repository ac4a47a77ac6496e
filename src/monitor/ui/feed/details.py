"""The feed's detail pane: one event as read-only HTML (time, grade, verification, actors,
location, summary, sources) in a browser that never loads anything."""

from __future__ import annotations

import html
import unicodedata
from typing import Any
from urllib.parse import quote

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QTextBrowser, QWidget

from monitor.model import Scenario
from monitor.model.entities import RELIABILITY_MEANING, Event, Moment, Verification
from monitor.model.frames import to_ns
from monitor.model.timeutil import format_moment, format_utc
from monitor.ui.context import ScenarioContext
from monitor.ui.feed.columns import (
    FUTURE_NOTE,
    VERIFICATION_LABEL,
    VERIFICATION_MEANING,
    grade_meaning,
    isolate,
)

WEB_SCHEMES = ("http", "https")
NO_SELECTION_HTML = "<p style='color:gray'>Select an event to see its details and sources.</p>"

MAX_DETAIL_CHARS = 10_000


def clip(text: str) -> str:
    """``text`` cut to MAX_DETAIL_CHARS, saying how much is left out: laying out a 100 kB
    run without spaces froze the detail pane for seconds (the table shows it all)."""
    if len(text) <= MAX_DETAIL_CHARS:
        return text
    rest = len(text) - MAX_DETAIL_CHARS
    return f"{isolate(text[:MAX_DETAIL_CHARS])}… ({rest:,} more characters)"


def shown_url(url: str) -> str:
    """A URL as shown to the user: bidi controls and other invisible characters
    percent-encoded, so that "example.org/\u202egnp.exe" cannot pass for "...exe.png"."""
    return "".join(
        quote(ch, safe="") if unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp") else ch
        for ch in url
    )


class DetailBrowser(QTextBrowser):
    """Read-only HTML view of one event that never loads anything.

    Every resource request (images, style sheets, ``file:`` or ``http:``
    URLs written in the data) is refused, and links are not followed by the
    widget itself: the panel decides in its ``anchorClicked`` handler.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])

    def loadResource(self, type: int, name: QUrl) -> Any:
        return None


def event_html(ctx: ScenarioContext, event: Event, pos: int, cursor_ns: int) -> str:
    """The detail pane's HTML for ``event`` (frame position ``pos``); a note says when it is
    after the cursor (``cursor_ns``, epoch nanoseconds)."""
    e = html.escape
    m = event.time
    local = format_moment(m, ctx.tz, seconds=not m.day)
    when = e(ctx.format_moment(m))
    if m.day:
        when += " <span style='color:gray'>(whole day; no time of day given)</span>"
    else:
        extra = [f"UTC {format_utc(m)}"]
        if ctx.military_time:
            extra.insert(0, local)
        when += f" <span style='color:gray'>({e(' · '.join(extra))})</span>"
    frame = ctx.events_frame
    grade = str(frame["grade"].iat[pos])
    reliability = str(frame["reliability"].iat[pos])
    credibility = int(frame["credibility"].iat[pos])
    grade_text = (
        f"<b>{e(grade)}</b> — {e(grade_meaning(reliability, credibility))}"
        if grade
        else "not given"
    )
    state = event.verification
    label = e(VERIFICATION_LABEL[state])
    meaning = e(VERIFICATION_MEANING[state])
    verification = f"{label} — {meaning}"
    if state is Verification.DENIED:
        verification = f"<s style='color:#c62828'>{label}</s> — {meaning}"
    elif state is Verification.DISPUTED:
        verification = f"<b style='color:#b36200'>{label}</b> — {meaning}"
    elif state is Verification.REPORTED:
        verification = f"<i>{label}</i> — {meaning}"
    actors = (
        "; ".join(e(isolate(clip(ctx.scenario.faction_name(a)))) for a in event.actors)
        or "none given"
    )
    loc = event.location
    if loc is None:
        location = "not given"
    else:
        parts = [e(isolate(clip(loc.name)))] if loc.name else []
        if loc.lat is not None and loc.lon is not None:
            parts.append(f"({loc.lat:.4f}, {loc.lon:.4f})")
        location = " ".join(parts) or "not given"
    rows = [
        ("Time", when),
        ("Grade", grade_text),
        ("Verification", verification),
        ("Category", e(clip(event.category))),
        ("Actors", actors),
        ("Location", location),
    ]
    out = [f"<h3 style='margin:0'>{e(clip(event.title))}</h3>"]
    if to_ns(m.instant) > cursor_ns:
        as_of = ctx.format_moment(Moment(ctx.cursor_time()))
        out.append(f"<p style='color:gray;margin:2px 0'>{e(FUTURE_NOTE)} ({e(as_of)}).</p>")
    out.append("<table cellspacing='0' cellpadding='1'>")
    for label, value in rows:
        out.append(
            f"<tr><td style='color:gray;padding-right:8px'>{e(label)}</td><td>{value}</td></tr>"
        )
    out.append("</table>")
    if event.summary:
        # Its own block: Qt picks the paragraph direction from the text (Arabic → RTL).
        out.append(f"<p>{e(clip(event.summary))}</p>")
    out.append(sources_html(ctx.scenario, event))
    return "\n".join(out)


def sources_html(scenario: Scenario, event: Event) -> str:
    """The list of ``event``'s sources; only web addresses become links."""
    e = html.escape
    sources = scenario.sources_by_id()
    if not event.source_ids:
        return "<p style='color:gray'>No sources given.</p>"
    items = []
    for sid in event.source_ids:
        s = sources.get(sid)
        if s is None:
            items.append(f"<li>Unknown source id {e(isolate(sid))}</li>")
            continue
        meta = [e(isolate(clip(s.publisher)))] if s.publisher else []
        if s.reliability:
            meaning = RELIABILITY_MEANING.get(s.reliability, "")
            meta.append(f"reliability {e(s.reliability)} ({e(meaning)})")
        if s.published:
            meta.append(f"published {e(s.published)}")
        url = s.url or ""
        if not url:
            link = "<span style='color:gray'>no URL given</span>"
        elif QUrl(url).scheme().lower() in WEB_SCHEMES:
            shown = e(shown_url(url), quote=True)
            link = f'<a href="{e(url, quote=True)}" title="{shown}">{shown}</a>'
        else:
            note = "(not a web address; will not be opened)"
            link = f"{e(shown_url(url))} <span style='color:gray'>{note}</span>"
        title = e(isolate(clip(s.title)))
        items.append(f"<li><b>{title}</b> — {' · '.join(meta)}<br>{link}</li>")
    return (
        "<p style='margin-bottom:0'><b>Sources</b></p><ul style='margin-top:0'>"
        + "".join(items)
        + "</ul>"
    )
