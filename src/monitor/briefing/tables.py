"""Tables on pages: rows that break between rows (a row taller than a page is split between
text lines), the header row repeated on each page, status chips and colour swatches.

:class:`TableLayout` is a part of :class:`monitor.briefing.layout.Renderer` (it uses the
renderer's page geometry, fonts and page list).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from monitor.briefing.blocks import Cell, Paragraph, Table
from monitor.briefing.typeset import ACCENT, HEADER_FILL, INK, MUTED, RULE, TONES, ZEBRA, CellBox


class TableLayout:
    """The table methods of the renderer."""

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

        rows = []
        for n, row in enumerate(t.rows):
            if n % 500 == 0 and n:  # (the renderer's progress: this table's share of the work)
                done = self.work_done - len(t.rows) - 1 + n
                self.tick(0.8 * done / self.work_total, f"Laying out page {len(self.pages)}")
            elif n % 50 == 0:  # (Cancel is noticed within a few milliseconds)
                self.check_cancel()
            rows.append(
                [
                    self._cell_box(c, w - 2 * pad_x, a)
                    for c, w, a in zip(row, widths, aligns, strict=True)
                ]
            )
        first_h = max(b.height for b in rows[0]) + 2 * pad_y
        self.ensure(header_h + min(first_h, 60 * k))
        draw_header(self.y)
        body_room = self.bottom - self.top - header_h
        for index, boxes in enumerate(rows):
            if index % 200 == 0:
                self.check_cancel()
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
