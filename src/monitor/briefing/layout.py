"""The page layout engine: lays a :class:`~monitor.briefing.blocks.Document` out on pages.

A y cursor moves down the page body; paragraphs break between lines; tables break between
rows (a row taller than a whole page is the only thing ever split, and then between text
lines) and repeat their header row on each page; the chart moves whole to the next page if
it does not fit. Layout happens first (every page becomes a list of paint operations),
painting second, so each page's header and footer can say "Page X of Y".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from monitor import __version__
from monitor.briefing import chart as chart_mod
from monitor.briefing.blocks import (
    Chart,
    Document,
    ExportCancelled,
    Heading,
    MapFigure,
    PageBreak,
    Paragraph,
    Table,
    TitleBlock,
    check_cancel,
)
from monitor.briefing.metadata import xmp_packet
from monitor.briefing.tables import TableLayout
from monitor.briefing.text import one_line
from monitor.briefing.typeset import (
    ACCENT,
    BANNER_FILL,
    INK,
    MUTED,
    PAGE_IDS,
    RESOLUTION,
    RULE,
    WARNING,
    Face,
    TextBox,
    ensure_app,
    make_font,
)

__all__ = ["ExportCancelled", "Renderer", "chart_size"]


class Renderer(TableLayout):
    """One PDF being made. Use :func:`render_pdf`; the class is the engine behind it.

    ``progress(fraction, message)`` is called as the layout and the painting go on;
    ``cancel()`` returning true stops them with :class:`ExportCancelled`. Both may be
    called from a worker thread: the renderer touches no widget (the chart is painted
    with plain QPainter calls, see :mod:`.chart`)."""

    def __init__(
        self,
        doc: Document,
        progress: Callable[[float, str], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ):
        ensure_app()
        self.doc = doc
        self.progress = progress
        self.cancel = cancel
        self.work_total, self.work_done = 1, 0  # layout progress (see layout())
        self.data = QByteArray()
        self.buffer = QBuffer(self.data)
        self.buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        w = QPdfWriter(self.buffer)
        w.setResolution(RESOLUTION)
        w.setPageSize(QPageSize(PAGE_IDS.get(doc.page_size, QPageSize.PageSizeId.A4)))
        w.setPageOrientation(QPageLayout.Orientation.Portrait)
        w.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
        w.setTitle(doc.title)
        w.setCreator(f"Situation Monitor {__version__}")
        if doc.author:
            w.setAuthor(doc.author)
        w.setDocumentXmpMetadata(xmp_packet(doc))
        self.writer = w
        self.k = RESOLUTION / 72.0  # device units per point
        rect = w.pageLayout().fullRectPixels(RESOLUTION)
        self.page_w = float(rect.width())
        self.page_h = float(rect.height())
        k = self.k
        self.margin_x = 44 * k
        self.left = self.margin_x
        self.right = self.page_w - self.margin_x
        self.body_w = self.right - self.left
        self.top = 78 * k
        self.bottom = self.page_h - 62 * k
        self.f_body = Face(make_font(9.0), w)
        self.f_cell = Face(make_font(8.0), w)
        self.f_cell_b = Face(make_font(8.0, bold=True), w)
        self.f_detail = Face(make_font(7.0), w)
        self.f_head = Face(make_font(7.2, bold=True), w)
        self.f_h1 = Face(make_font(13.0, bold=True), w)
        self.f_title = Face(make_font(20.0, bold=True), w)
        self.f_kind = Face(make_font(8.5, bold=True), w)
        self.f_small = Face(make_font(7.0), w)
        self.f_marking = Face(make_font(8.5, bold=True), w)
        self.f_field_key = Face(make_font(8.0, bold=True), w)
        self.f_bluf = Face(make_font(10.5, bold=True), w)
        self.f_warning = Face(make_font(8.5, bold=True), w)
        self.pages: list[list[Callable[[QPainter], None]]] = [[]]
        self.y = self.top

    # -- helpers ---------------------------------------------------------------
    def pt(self, v: float) -> float:
        return v * self.k

    def text(
        self,
        s: str,
        font: Face,
        width: float,
        color: QColor = INK,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    ) -> TextBox:
        return TextBox(self.writer, s, font, width, color, align)

    @property
    def room(self) -> float:
        return self.bottom - self.y

    def add(self, op: Callable[[QPainter], None]) -> None:
        self.pages[-1].append(op)

    def new_page(self) -> None:
        if self.pages[-1] or self.y > self.top:
            self.pages.append([])
        self.y = self.top

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` fits below the cursor."""
        if height > self.room and self.y > self.top:
            self.new_page()

    def check_cancel(self) -> None:
        check_cancel(self.cancel)

    def tick(self, fraction: float, message: str) -> None:
        """Report progress; stop if the user cancelled."""
        if self.cancel is not None and self.cancel():
            raise ExportCancelled
        if self.progress is not None:
            self.progress(fraction, message)

    # -- blocks ----------------------------------------------------------------
    def layout(self) -> None:
        blocks = self.doc.blocks
        # Progress by weight: a table weighs its rows (the annex is most of a long briefing).
        weights = [len(b.rows) + 1 if isinstance(b, Table) else 1 for b in blocks]
        self.work_total, self.work_done = max(1, sum(weights)), 0
        for i, block in enumerate(blocks):
            self.tick(0.8 * self.work_done / self.work_total, f"Laying out page {len(self.pages)}")
            self.work_done += weights[i]
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if isinstance(block, TitleBlock):
                self.title_block(block)
            elif isinstance(block, Heading):
                self.heading(block, nxt, blocks[i + 2] if i + 2 < len(blocks) else None)
            elif isinstance(block, Paragraph):
                self.paragraph(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Chart):
                self.chart(block)
            elif isinstance(block, MapFigure):
                self.map_figure(block)
            elif isinstance(block, PageBreak):
                self.new_page()

    def title_block(self, b: TitleBlock) -> None:
        k = self.k
        kind = self.text(b.kind, self.f_kind, self.body_w, ACCENT)
        title = self.text(b.title, self.f_title, self.body_w, INK)
        y0 = self.y
        self.add(lambda p, y=y0: kind.draw(p, self.left, y))
        y = y0 + kind.height + 2 * k
        self.add(lambda p, y=y: title.draw(p, self.left, y))
        y += title.height + 4 * k
        if b.description:
            desc = self.text(b.description, self.f_body, self.body_w, MUTED)
            self.add(lambda p, y=y: desc.draw(p, self.left, y))
            y += desc.height + 4 * k
        # Fields: a shaded box with a key column and a value column.
        key_w = 100 * k
        pad = 6 * k
        rows = []
        for key, value in b.fields:
            kt = self.text(key, self.f_field_key, key_w - pad, MUTED)
            vt = self.text(value, self.f_body, self.body_w - key_w - 2 * pad, INK)
            rows.append((kt, vt, max(kt.height, vt.height) + 3 * k))
        box_h = sum(r[2] for r in rows) + 2 * pad - 3 * k
        top = y + 2 * k

        def draw_box(p: QPainter, top=top, box_h=box_h, rows=rows) -> None:
            p.fillRect(QRectF(self.left, top, self.body_w, box_h), BANNER_FILL)
            p.fillRect(QRectF(self.left, top, 2.5 * k, box_h), ACCENT)
            yy = top + pad
            for kt, vt, h in rows:
                kt.draw(p, self.left + pad + 2 * k, yy + 0.6 * k)
                vt.draw(p, self.left + key_w + pad, yy)
                yy += h

        self.add(draw_box)
        self.y = top + box_h + 12 * k

    def heading(self, b: Heading, nxt, after=None) -> None:
        k = self.k
        t = self.text(b.text, self.f_h1, self.body_w, ACCENT)
        need = 8 * k + t.height + 4 * k + self._min_follow(nxt)
        if isinstance(nxt, Paragraph) and isinstance(after, Table):  # an intro line, a table
            need += self._min_follow(after)
        self.ensure(need)
        if self.y > self.top:
            self.y += 8 * k
        y = self.y
        rule_y = y + t.height + 2 * k

        def draw(p: QPainter, y=y, rule_y=rule_y) -> None:
            t.draw(p, self.left, y)
            p.setPen(QPen(ACCENT, 0.8 * k))
            p.drawLine(QPointF(self.left, rule_y), QPointF(self.right, rule_y))

        self.add(draw)
        self.y = rule_y + 6 * k

    def _min_follow(self, nxt) -> float:
        """Space the next block needs on the same page so a heading is never left alone."""
        k = self.k
        if isinstance(nxt, Table):
            return 60 * k
        if isinstance(nxt, Chart):
            return self._chart_height(nxt)
        if isinstance(nxt, Paragraph):
            return 30 * k
        return 20 * k

    def paragraph(self, b: Paragraph) -> None:
        k = self.k
        font = {
            "small": self.f_small,
            "muted": self.f_body,
            "bluf": self.f_bluf,
            "warning": self.f_warning,
        }.get(b.style, self.f_body)
        color = {"muted": MUTED, "small": MUTED, "warning": WARNING}.get(b.style, INK)
        indent = {"bullet": 12 * k, "warning": 8 * k}.get(b.style, 0.0)
        t = TextBox(self.writer, b.text, font, self.body_w - indent, color, bold_chars=b.lead)
        if b.style == "warning":
            self.y += 2 * k
        first = 0
        while first < len(t.lines):
            if self.room < t.line_y[first][1]:
                self.new_page()
            stop = t.lines_fitting(first, self.room)
            stop = max(stop, first + 1)
            y = self.y
            bullet = b.style == "bullet" and first == 0

            def draw(p: QPainter, y=y, first=first, stop=stop, bullet=bullet) -> None:
                if b.style == "warning":
                    span = t.line_y[stop - 1][0] + t.line_y[stop - 1][1] - t.line_y[first][0]
                    p.fillRect(QRectF(self.left, y, 3 * k, span), WARNING)
                if bullet:
                    p.setPen(ACCENT)
                    p.setFont(font.font)
                    p.drawText(QPointF(self.left + 2 * k, y + font.ascent), "•")
                t.draw(p, self.left + indent, y, first, stop)

            self.add(draw)
            top = t.line_y[first][0]
            bottom = t.line_y[stop - 1][0] + t.line_y[stop - 1][1]
            self.y += bottom - top
            first = stop
        self.y += {"bullet": 3, "bluf": 7, "warning": 6}.get(b.style, 5) * k

    # -- chart -----------------------------------------------------------------
    def _chart_height(self, c: Chart) -> float:
        return self.pt(self._chart_pt_height()) + self._legend(c)[1] + 26 * self.k

    def _chart_pt_height(self) -> float:
        return min(215.0, self.body_w / self.k * 0.42)

    def _legend(self, c: Chart) -> tuple[list[tuple[TextBox, str, float, float]], float]:
        """Legend entries in rows under the chart, (text, colour, x, y) each, and the height."""
        k = self.k
        entries = []
        x = y = 0.0
        line_h = 0.0
        for j in c.drawn():  # nothing drawn for the others: keep the legend true to the chart
            f = c.series.factions[j]
            t = self.text(one_line(f.name), self.f_cell, self.body_w * 0.45)
            w = 12 * k + t.natural_width() + 14 * k
            if x > 0 and x + w > self.body_w:
                x = 0.0
                y += line_h + 3 * k
            entries.append((t, f.color, x, y))
            line_h = max(line_h, t.height)
            x += w
        return entries, (y + line_h if entries else 0.0)

    def chart(self, c: Chart) -> None:
        k = self.k
        w_pt = self.body_w / k
        h_pt = self._chart_pt_height()
        self.ensure(self._chart_height(c))
        entries, legend_h = self._legend(c)
        y = self.y + 4 * k
        legend_y = y + h_pt * k + 6 * k
        caption = self.text(c.caption, self.f_small, self.body_w, MUTED) if c.caption else None

        def draw(p: QPainter, y=y, legend_y=legend_y) -> None:
            chart_mod.paint_territory(
                p, c, QRectF(self.left, y, w_pt * k, h_pt * k), (w_pt, h_pt), self.f_cell.font
            )
            for t, color, ex, ey in entries:
                side = 8 * k
                p.setPen(QPen(QColor("#555555"), 0.4 * k))
                p.setBrush(QColor(color))
                p.drawRect(
                    QRectF(self.left + ex, legend_y + ey + (t.line_y[0][1] - side) / 2, side, side)
                )
                p.setBrush(Qt.BrushStyle.NoBrush)
                t.draw(p, self.left + ex + 12 * k, legend_y + ey)
            if caption is not None:
                caption.draw(p, self.left, legend_y + legend_h + 4 * k)

        self.add(draw)
        self.y = legend_y + legend_h + (4 * k + caption.height if caption else 0) + 10 * k

    # -- map -------------------------------------------------------------------
    def map_figure(self, m: MapFigure) -> None:
        """The situation map (:mod:`.mapdraw`) on a page of its own, under its title."""
        from monitor.briefing.mapdraw import MapBlock

        k = self.k
        self.new_page()
        title = self.text(m.title, self.f_h1, self.body_w, ACCENT)
        rule_y = self.y + title.height + 2 * k
        self.add(lambda p: title.draw(p, self.left, self.top))
        self.add(
            lambda p: (
                p.setPen(QPen(ACCENT, 0.8 * k)),
                p.drawLine(QPointF(self.left, rule_y), QPointF(self.right, rule_y)),
            )
        )
        self.y = rule_y + 6 * k
        block = MapBlock(self, m, self.body_w, self.room - 4 * k)
        y = self.y
        self.add(lambda p, y=y: block.draw(p, self.left, y))
        self.y = y + block.height + 10 * k
        self.new_page()  # what follows starts on the next page

    # -- page furniture ----------------------------------------------------------
    def furniture(self, p: QPainter, page: int, total: int) -> None:
        """Marking banner, running header and footer with "Page X of Y"."""
        k = self.k
        fm = QFontMetricsF(self.f_marking.font, self.writer)
        marking = fm.elidedText(self.doc.marking, Qt.TextElideMode.ElideRight, self.body_w - 20 * k)
        band_h = 15 * k
        for top in (22 * k, self.page_h - 22 * k - band_h):
            p.fillRect(QRectF(self.left, top, self.body_w, band_h), BANNER_FILL)
            p.setPen(INK)
            p.setFont(self.f_marking.font)
            p.drawText(
                QRectF(self.left, top, self.body_w, band_h), Qt.AlignmentFlag.AlignCenter, marking
            )
        small = self.f_small.font
        sfm = QFontMetricsF(small, self.writer)
        p.setFont(small)
        p.setPen(MUTED)
        y_head = 22 * k + band_h + 5 * k
        half = self.body_w / 2 - 6 * k
        left = sfm.elidedText(self.doc.header_left, Qt.TextElideMode.ElideRight, half)
        right = sfm.elidedText(self.doc.header_right, Qt.TextElideMode.ElideRight, half)
        p.drawText(QRectF(self.left, y_head, half, sfm.height()), Qt.AlignmentFlag.AlignLeft, left)
        p.drawText(
            QRectF(self.right - half, y_head, half, sfm.height()),
            Qt.AlignmentFlag.AlignRight,
            right,
        )
        p.setPen(QPen(RULE, 0.6 * k))
        rule = y_head + sfm.height() + 3 * k
        p.drawLine(QPointF(self.left, rule), QPointF(self.right, rule))
        foot_top = self.page_h - 22 * k - band_h - 5 * k - sfm.height()
        p.drawLine(QPointF(self.left, foot_top - 3 * k), QPointF(self.right, foot_top - 3 * k))
        p.setPen(MUTED)
        produced = self.doc.produced_at.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")
        p.drawText(
            QRectF(self.left, foot_top, half, sfm.height()),
            Qt.AlignmentFlag.AlignLeft,
            f"Produced {produced} · Situation Monitor",
        )
        p.setPen(INK)
        p.drawText(
            QRectF(self.right - half, foot_top, half, sfm.height()),
            Qt.AlignmentFlag.AlignRight,
            f"Page {page} of {total}",
        )

    # -- the two passes ----------------------------------------------------------
    def release(self) -> None:
        """Drop the laid-out pages. Their paint steps hold the renderer (a reference cycle):
        without this, the pages of a big document wait for a full garbage collection. (A
        caller may report the outcome first: freeing 100k rows of text takes a while.)"""
        pages, self.pages = self.pages, [[]]
        while pages:  # a page at a time: the GIL can pass to the GUI thread in between
            pages.pop()

    def render(self) -> tuple[bytes, int]:
        """Lay out and paint: the PDF bytes and the page count. Call :meth:`release` after."""
        self.layout()
        if len(self.pages) > 1 and not self.pages[-1]:
            self.pages.pop()
        total = len(self.pages)
        painter = QPainter()
        if not painter.begin(self.writer):
            raise OSError("cannot start painting the PDF")
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            for n, ops in enumerate(self.pages, start=1):
                self.tick(0.8 + 0.2 * (n - 1) / total, f"Writing page {n} of {total}")
                if n > 1:
                    self.writer.newPage()
                self.furniture(painter, n, total)
                for i, op in enumerate(ops):
                    if i % 16 == 15:
                        self.check_cancel()
                    op(painter)
        finally:
            painter.end()
        self.buffer.close()
        return bytes(self.data.data()), total


def chart_size(page_size: str) -> tuple[float, float]:
    """Width and height in points of the territory chart on a page of ``page_size``."""
    page = QPageSize(PAGE_IDS.get(page_size, QPageSize.PageSizeId.A4))
    w_pt = page.size(QPageSize.Unit.Point).width() - 2 * 44
    return w_pt, min(215.0, w_pt * 0.42)
