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
from PySide6.QtSvg import QSvgRenderer

from monitor import __version__
from monitor.briefing import chart as chart_mod
from monitor.briefing.blocks import (
    Cell,
    Chart,
    Document,
    Heading,
    MapFigure,
    PageBreak,
    Paragraph,
    Table,
    TitleBlock,
)
from monitor.briefing.metadata import xmp_packet
from monitor.briefing.text import one_line
from monitor.briefing.typeset import (
    ACCENT,
    BANNER_FILL,
    HEADER_FILL,
    INK,
    MUTED,
    PAGE_IDS,
    RESOLUTION,
    RULE,
    TONES,
    ZEBRA,
    CellBox,
    Face,
    TextBox,
    ensure_app,
    make_font,
)


class Renderer:
    """One PDF being made. Use :func:`render_pdf`; the class is the engine behind it."""

    def __init__(self, doc: Document):
        ensure_app()
        self.doc = doc
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

    # -- blocks ----------------------------------------------------------------
    def layout(self) -> None:
        blocks = self.doc.blocks
        for i, block in enumerate(blocks):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if isinstance(block, TitleBlock):
                self.title_block(block)
            elif isinstance(block, Heading):
                self.heading(block, nxt)
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

    def heading(self, b: Heading, nxt) -> None:
        k = self.k
        t = self.text(b.text, self.f_h1, self.body_w, ACCENT)
        need = 8 * k + t.height + 4 * k + self._min_follow(nxt)
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
        font = {"small": self.f_small, "muted": self.f_body}.get(b.style, self.f_body)
        color = MUTED if b.style in ("muted", "small") else INK
        indent = 12 * k if b.style == "bullet" else 0.0
        t = self.text(b.text, font, self.body_w - indent, color)
        first = 0
        while first < len(t.lines):
            if self.room < t.line_y[first][1]:
                self.new_page()
            stop = t.lines_fitting(first, self.room)
            stop = max(stop, first + 1)
            y = self.y
            bullet = b.style == "bullet" and first == 0

            def draw(p: QPainter, y=y, first=first, stop=stop, bullet=bullet) -> None:
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
        self.y += (3 if b.style == "bullet" else 5) * k

    # -- tables ----------------------------------------------------------------
    def _cell_box(
        self, cell: Cell, width: float, align: Qt.AlignmentFlag, header: bool = False
    ) -> CellBox:
        k = self.k
        if header:
            return CellBox(cell, [self.text(cell.text, self.f_head, width, INK, align)], 0)
        inner = width - (10 * k if cell.swatch else 0) - (3 * k if cell.tone else 0)
        tone = TONES.get(cell.tone or "")
        color = tone[0] if tone else INK
        pieces = []
        if cell.text:
            pieces.append(
                self.text(
                    cell.text, self.f_cell_b if cell.bold else self.f_cell, inner, color, align
                )
            )
        if cell.detail:
            pieces.append(self.text(cell.detail, self.f_detail, width, MUTED, align))
        return CellBox(cell, pieces, 1.0 * k)

    def table(self, t: Table) -> None:
        k = self.k
        if not t.rows:
            self.paragraph(Paragraph(t.empty_text, "muted"))
            return
        pad_x, pad_y = 4 * k, 3 * k
        total = sum(c.width for c in t.columns)
        widths = [self.body_w * c.width / total for c in t.columns]
        xs = [self.left]
        for w in widths[:-1]:
            xs.append(xs[-1] + w)
        aligns = [
            {"right": Qt.AlignmentFlag.AlignRight, "center": Qt.AlignmentFlag.AlignHCenter}.get(
                c.align, Qt.AlignmentFlag.AlignLeft
            )
            for c in t.columns
        ]
        header = [
            self._cell_box(Cell(c.title), w - 2 * pad_x, a, header=True)
            for c, w, a in zip(t.columns, widths, aligns, strict=True)
        ]
        header_h = max(b.height for b in header) + 2 * pad_y

        def draw_header(y: float) -> None:
            def draw(p: QPainter, y=y) -> None:
                p.fillRect(QRectF(self.left, y, self.body_w, header_h), HEADER_FILL)
                for box, x in zip(header, xs, strict=True):
                    self._draw_box(p, box, x + pad_x, y + pad_y, 0, len(box.items))
                p.setPen(QPen(ACCENT, 0.9 * k))
                p.drawLine(QPointF(self.left, y + header_h), QPointF(self.right, y + header_h))

            self.add(draw)
            self.y = y + header_h

        rows = [
            [
                self._cell_box(c, w - 2 * pad_x, a)
                for c, w, a in zip(row, widths, aligns, strict=True)
            ]
            for row in t.rows
        ]
        first_h = max(b.height for b in rows[0]) + 2 * pad_y
        self.ensure(header_h + min(first_h, 60 * k))
        draw_header(self.y)
        body_room = self.bottom - self.top - header_h
        for index, boxes in enumerate(rows):
            row_h = max(b.height for b in boxes) + 2 * pad_y
            if row_h > self.room and row_h <= body_room:
                self.new_page()
                draw_header(self.y)
            starts = [0] * len(boxes)
            part = 0
            while True:
                room = self.room - 2 * pad_y
                stops = [self._fit(b, s, room) for b, s in zip(boxes, starts, strict=True)]
                if not any(st > s for st, s in zip(stops, starts, strict=True)) and any(
                    s < len(b.items) for b, s in zip(boxes, starts, strict=True)
                ):
                    self.new_page()  # not even one line fits here
                    draw_header(self.y)
                    continue
                frag_h = (
                    max(self._span(b, s, st) for b, s, st in zip(boxes, starts, stops, strict=True))
                    + 2 * pad_y
                )
                y = self.y

                def draw(
                    p: QPainter,
                    y=y,
                    frag_h=frag_h,
                    starts=tuple(starts),
                    stops=tuple(stops),
                    boxes=boxes,
                    index=index,
                    part=part,
                ) -> None:
                    if index % 2:
                        p.fillRect(QRectF(self.left, y, self.body_w, frag_h), ZEBRA)
                    for box, x, w, s, st in zip(boxes, xs, widths, starts, stops, strict=True):
                        if part == 0:
                            self._decorate(p, box, x + pad_x, y + pad_y, w - 2 * pad_x)
                        self._draw_box(p, box, x + pad_x, y + pad_y, s, st)
                    p.setPen(QPen(RULE, 0.5 * k))
                    p.drawLine(QPointF(self.left, y + frag_h), QPointF(self.right, y + frag_h))

                self.add(draw)
                self.y = y + frag_h
                starts = stops
                part += 1
                if all(s >= len(b.items) for b, s in zip(boxes, starts, strict=True)):
                    break
                self.new_page()  # a row taller than a page: continue it under a repeated header
                draw_header(self.y)
        if t.note:
            self.y += 3 * k
            self.paragraph(Paragraph(t.note, "small"))
        else:
            self.y += 6 * k

    @staticmethod
    def _fit(box: CellBox, start: int, room: float) -> int:
        if start >= len(box.items):
            return start
        top = box.items[start][2]
        i = start
        while i < len(box.items) and box.items[i][2] + box.items[i][3] - top <= room + 0.01:
            i += 1
        return i

    @staticmethod
    def _span(box: CellBox, start: int, stop: int) -> float:
        if stop <= start:
            return 0.0
        return box.items[stop - 1][2] + box.items[stop - 1][3] - box.items[start][2]

    def _decorate(self, p: QPainter, box: CellBox, x: float, y: float, width: float) -> None:
        """Status chip behind the first line, or the faction colour swatch."""
        k = self.k
        cell = box.cell
        if cell.swatch and box.items:
            h = box.items[0][3]
            side = 7.5 * k
            p.setPen(QPen(QColor("#555555"), 0.4 * k))
            p.setBrush(QColor(cell.swatch))
            p.drawRect(QRectF(x, y + (h - side) / 2, side, side))
            p.setBrush(Qt.BrushStyle.NoBrush)
        tone = TONES.get(cell.tone or "")
        if tone and box.items and cell.text:
            text = box.items[0][0]  # the main text (a chip never continues onto a later page)
            w = text.natural_width()
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(tone[1])
            p.drawRoundedRect(
                QRectF(x - 1.5 * k, y - 0.5 * k, w + 5 * k, text.height + 1 * k), 2 * k, 2 * k
            )
            p.setBrush(Qt.BrushStyle.NoBrush)

    def _draw_box(
        self, p: QPainter, box: CellBox, x: float, y: float, start: int, stop: int
    ) -> None:
        if stop <= start:
            return
        k = self.k
        cell = box.cell
        dx = (10 * k if cell.swatch else 0.0) + (1 * k if cell.tone else 0.0)
        top = box.items[start][2]
        i = start
        while i < stop:
            text, line, ly, _ = box.items[i]
            j = i
            while j < stop and box.items[j][0] is text:
                j += 1
            first_piece = text is box.items[0][0]
            text.draw(
                p, x + (dx if first_piece else 0.0), y + ly - top, line, box.items[j - 1][1] + 1
            )
            i = j

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
        svg = chart_mod.territory_svg(c, w_pt, h_pt, self.f_cell.font)
        renderer = QSvgRenderer(svg)
        entries, legend_h = self._legend(c)
        y = self.y + 4 * k
        legend_y = y + h_pt * k + 6 * k
        caption = self.text(c.caption, self.f_small, self.body_w, MUTED) if c.caption else None

        def draw(p: QPainter, y=y, legend_y=legend_y) -> None:
            renderer.render(p, QRectF(self.left, y, w_pt * k, h_pt * k))
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
    def render(self) -> tuple[bytes, int]:
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
                if n > 1:
                    self.writer.newPage()
                self.furniture(painter, n, total)
                for op in ops:
                    op(painter)
        finally:
            painter.end()
        self.buffer.close()
        return bytes(self.data.data()), total
