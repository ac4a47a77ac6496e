"""Time to produce PDF briefings (``monitor brief`` and File → Export briefing… use the same code).

    /work/venv/bin/python benchmarks/bench_briefing.py [SCENARIO] [--full-baseline]

Prints the median of 5 runs (after one warm-up run that pays for imports,
fonts and pyqtgraph's first plot) for:

* the full default briefing of the bundled scenario (target ≤ 0.3 s wall clock;
  CPU time is printed too, as it is less disturbed by other work on the machine);
* a briefing with 1,000 events (the bundled events repeated with shifted times);
* if matplotlib is installed, the same content (same blocks: title block,
  tables paginated, stacked territory chart, sources) made with matplotlib's
  ``PdfPages``, as a baseline, with the ratio (the 1,000-event baseline takes
  about a minute, so only with ``--full-baseline``). Without matplotlib that
  part is skipped.
"""

from __future__ import annotations

import copy
import os
import statistics
import sys
import tempfile
import textwrap
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 0.3
RUNS = 5


def _median(fn, runs: int = RUNS, warm_up: bool = True) -> float:
    """Median wall-clock seconds of ``runs`` calls (CPU seconds in ``_median.cpu``)."""
    if warm_up:
        fn()
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    _median.cpu = statistics.median(cpu)
    return statistics.median(times)


def scale_events(scenario, n: int):
    """A copy of ``scenario`` with ``n`` events: its own, repeated with times shifted by minutes."""
    from monitor.model import Moment

    s = copy.deepcopy(scenario)
    base = list(s.events)
    events = []
    for i in range(n):
        e = copy.copy(base[i % len(base)])
        shift = timedelta(minutes=7 * (i // len(base)))
        e.id = f"{e.id}-{i}"
        e.time = Moment(e.time.instant + shift, e.time.day and shift == timedelta(0))
        e.title = f"{e.title} #{i}"
        events.append(e)
    s.events = events
    return s


# --------------------------------------------------------------------------- matplotlib baseline
def matplotlib_briefing(doc, series_chart, out: Path) -> int:
    """The same blocks laid out with matplotlib: text wrapped by character count, tables paged."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from monitor.briefing.content import Chart, Heading, Paragraph, Table, TitleBlock

    width_in, height_in = 8.27, 11.69
    top, bottom, left, right = 0.93, 0.07, 0.08, 0.92
    line_h = 0.0125
    pages = 0
    with PdfPages(out) as pdf:
        fig = None
        y = top

        def new_page():
            nonlocal fig, y, pages
            if fig is not None:
                pdf.savefig(fig)
                plt.close(fig)
            fig = plt.figure(figsize=(width_in, height_in))
            fig.text(0.5, 0.975, doc.marking, ha="center", fontsize=8, weight="bold")
            fig.text(0.5, 0.02, doc.marking, ha="center", fontsize=8, weight="bold")
            pages += 1
            fig.text(right, 0.035, f"Page {pages}", ha="right", fontsize=7)
            y = top

        def text_lines(text: str, chars: int) -> list[str]:
            out = []
            for para in text.split("\n"):
                out += textwrap.wrap(para, chars) or [""]
            return out

        new_page()
        for block in doc.blocks:
            if isinstance(block, TitleBlock):
                fig.text(left, y, block.kind, fontsize=8, weight="bold")
                fig.text(left, y - 0.03, block.title, fontsize=16, weight="bold")
                y -= 0.06
                for k, v in block.fields:
                    fig.text(left, y, k, fontsize=8, weight="bold")
                    fig.text(left + 0.18, y, v, fontsize=8)
                    y -= line_h * 1.3
                y -= 0.02
            elif isinstance(block, Heading):
                if y < bottom + 0.1:
                    new_page()
                fig.text(left, y, block.text, fontsize=12, weight="bold")
                y -= 0.03
            elif isinstance(block, Paragraph):
                for ln in text_lines(block.text, 110):
                    if y < bottom:
                        new_page()
                    fig.text(left, y, ln, fontsize=8)
                    y -= line_h
            elif isinstance(block, Chart):
                if y < bottom + 0.35:
                    new_page()
                ax = fig.add_axes((left, y - 0.28, right - left, 0.26))
                xs, stacks, colors, names = series_chart(block.series)
                ax.stackplot(xs, *stacks, colors=colors, labels=names)
                ax.set_ylim(0, 100)
                ax.legend(fontsize=6, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.12))
                y -= 0.4
            elif isinstance(block, Table):
                total = sum(c.width for c in block.columns)
                xs_cols, x = [], left
                for c in block.columns:
                    xs_cols.append(x)
                    x += (right - left) * c.width / total
                chars = [max(8, int(110 * c.width / total)) for c in block.columns]

                def header(columns=block.columns, xs_cols=xs_cols):
                    nonlocal y
                    for c, cx in zip(columns, xs_cols, strict=True):
                        fig.text(cx, y, c.title, fontsize=7, weight="bold")
                    y -= line_h * 1.4

                header()
                for row in block.rows:
                    cells = [
                        text_lines(c.text + ("\n" + c.detail if c.detail else ""), n)
                        for c, n in zip(row, chars, strict=True)
                    ]
                    h = max(len(c) for c in cells) * line_h + 0.004
                    if y - h < bottom:
                        new_page()
                        header()
                    for lines, cx in zip(cells, xs_cols, strict=True):  # one text object per cell
                        fig.text(cx, y, "\n".join(lines), fontsize=7, va="top", linespacing=1.25)
                    y -= h
        pdf.savefig(fig)
        plt.close(fig)
    return pages


def _series_for_matplotlib(series):
    import numpy as np

    xs = np.asarray(series.xs) / 86400.0
    shown = [j for j in range(len(series.factions)) if series.shares[:, j].any()]
    return (
        xs,
        [series.shares[:, j] for j in shown],
        [series.factions[j].color for j in shown],
        [series.factions[j].name for j in shown],
    )


# --------------------------------------------------------------------------- main
def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO / "src"))
    from monitor.briefing import BriefingOptions, export_briefing_pdf
    from monitor.briefing.content import briefing_document
    from monitor.briefing.pdf import ensure_app
    from monitor.model import load_scenario

    flags = {a for a in argv if a.startswith("--")}
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else REPO / "data" / "iraq-syria-border-2024.json"
    ensure_app()
    scenario = load_scenario(path)
    big = scale_events(scenario, 1000)
    opts = BriefingOptions(analyst="Benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "brief.pdf"
        pages = export_briefing_pdf(scenario, out, opts).pages
        t_default = _median(lambda: export_briefing_pdf(scenario, out, opts))
        cpu_default = _median.cpu
        pages_big = export_briefing_pdf(big, out, opts).pages
        t_big = _median(lambda: export_briefing_pdf(big, out, opts))
        cpu_big = _median.cpu
        verdict = "OK" if t_default <= TARGET_S else "OVER TARGET"
        print(f"scenario: {path.name} ({len(scenario.events)} events)")
        print(
            f"full default briefing:  {t_default * 1000:7.1f} ms  ({pages} pages, "
            f"CPU {cpu_default * 1000:.0f} ms)   target <= {TARGET_S * 1000:.0f} ms: {verdict}"
        )
        print(
            f"1,000-event briefing:   {t_big * 1000:7.1f} ms  ({pages_big} pages, "
            f"CPU {cpu_big * 1000:.0f} ms)"
        )
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("matplotlib baseline:    skipped (matplotlib is not installed)")
            return 0
        mpl_out = Path(tmp) / "mpl.pdf"
        doc = briefing_document(scenario, opts)
        big_doc = briefing_document(big, opts)
        m_default = _median(lambda: matplotlib_briefing(doc, _series_for_matplotlib, mpl_out))
        m_pages = matplotlib_briefing(doc, _series_for_matplotlib, mpl_out)
        print(
            f"matplotlib PdfPages:    {m_default * 1000:7.1f} ms  ({m_pages} pages)  "
            f"= {m_default / t_default:.1f}x ours (content prepared beforehand, not timed)"
        )
        if "--full-baseline" in flags:
            m_big = _median(
                lambda: matplotlib_briefing(big_doc, _series_for_matplotlib, mpl_out),
                runs=1,
                warm_up=False,
            )
            ratio = m_big / t_big
            print(f"matplotlib, 1,000:      {m_big * 1000:7.1f} ms  = {ratio:.1f}x ours (one run)")
        else:
            print("matplotlib, 1,000:      not run (about a minute; pass --full-baseline)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
