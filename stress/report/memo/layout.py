"""Lay the memo out on US Letter pages with fpdf2: header, answer, tables, charts, footer.

Page 1: who and when, the one-line answer, the verdict by scenario, the funding gap, and the liquidity and
leverage charts. Then the Monte Carlo (cash fan beside the PD and the market's view), the breaking points,
the capital structure with its maturity wall, and the key assumptions beside the largest estimates; a block
that would not fit on the page starts the next. Every page's footer carries the tool version, the profile's
SHA-256 and the page number.

Text is set in DejaVu Sans, embedded from matplotlib's package data (the same face as the charts), so names
with "–", "≥" or accents print as written; a character the face lacks prints as "?" rather than vanishing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace, TTFFont
from fpdf.util import Padding

from stress.report.format import clean, usd_m
from stress.report.memo import charts
from stress.report.memo.assumptions import Assumption, Estimate
from stress.report.memo.content import (
    BREAKEVEN_HEADINGS,
    SCENARIO_HEADINGS,
    MemoInputs,
    breakeven_rows,
    debt_table,
    facts,
    footer,
    funding_gap_line,
    montecarlo_lines,
    one_line_answer,
    scenario_rows,
    title,
)

FONT = "DejaVu Sans"  # the family matplotlib names in its SVG text, so chart text resolves to it
MARGIN = 12.0  # mm
BODY = 7.0  # pt
SMALL = 6.3  # pt
LINE = 3.3  # mm, table line height at SMALL
GREY = (90, 90, 90)
RULE = (170, 170, 170)
#: Verdict fills, the workbook's (green, amber, red).
VERDICT_FILL = {"pass": "#C6EFCE", "breach": "#FFEB9C", "default": "#FFC7CE"}
ANSWER_FILL = "#EEF2F7"
#: Longest profile comment shown as a basis, characters.
BASIS_CHARS = 160


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class MemoPDF(FPDF):
    """US Letter, portrait, millimetres; the footer on every page."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 2)
        fonts = _font_dir()
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        face = self.fonts[FONT.lower()]
        assert isinstance(face, TTFFont)  # added from .ttf files just above; only a core font has no cmap
        self._glyphs = set(face.cmap)
        self.footer_text = self.printable(footer_text)  # needs the glyphs: set after the fonts

    def printable(self, text: str) -> str:
        """``text`` with control characters dropped and characters the face lacks as '?'."""
        return "".join(ch if ord(ch) in self._glyphs or ch in "\n" else "?" for ch in clean(text))

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, "", 5.8)
        self.set_text_color(*GREY)
        self.cell(self.epw * 0.85, 4, self.footer_text)
        self.cell(self.epw * 0.15, 4, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)

    @property
    def bottom(self) -> float:
        return self.h - self.b_margin


def _image(pdf: MemoPDF, svg: bytes, x: float, y: float, w: float, h: float) -> None:
    """Place an SVG chart. What the SVG leaves without a fill (matplotlib's default black, for text among
    others) takes the PDF's current fill colour, so that is set to black first."""
    pdf.set_fill_color(0)
    pdf.image(io.BytesIO(svg), x=x, y=y, w=w, h=h)


def _section(pdf: MemoPDF, text: str, need: float = 20.0) -> None:
    """A section heading; a new page first when ``need`` mm would not fit below it."""
    if pdf.get_y() + 6 + need > pdf.bottom:
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 8.5)
    pdf.cell(0, 5, pdf.printable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.ln(0.8)


def _note(pdf: MemoPDF, text: str, size: float = SMALL) -> None:
    if text:
        pdf.set_font(FONT, "I", size)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, size * 0.45, pdf.printable(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)


def _table(pdf: MemoPDF, headings: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
           align: Sequence[str], fills: dict[tuple[int, int], str] | None = None, bold_from: int | None = None,
           width: float | None = None, table_align: str = "LEFT") -> None:
    """A table with a heading row, horizontal rules, text in SMALL; ``fills`` colours (row, column) cells (in
    bold), and the first column is bold from row ``bold_from`` on (names, totals)."""
    fills = fills or {}
    pdf.set_font(FONT, "", SMALL)
    heading = FontFace(emphasis="B", fill_color="#E7E7E7")
    with pdf.table(col_widths=tuple(widths), width=width or pdf.epw, align=table_align, line_height=LINE,
                   borders_layout="HORIZONTAL_LINES", headings_style=heading, padding=(0.4, 0.8),
                   text_align=tuple(align), v_align="TOP") as table:
        row = table.row()
        for h in headings:
            row.cell(pdf.printable(h))
        for i, cells in enumerate(rows):
            row = table.row()
            for j, text in enumerate(cells):
                bold = bold_from is not None and i >= bold_from and j == 0
                style = FontFace(emphasis="B" if bold or (i, j) in fills else None, fill_color=fills.get((i, j)))
                row.cell(pdf.printable(text), style=style)


def _header(pdf: MemoPDF, inputs: MemoInputs) -> None:
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 7, pdf.printable(title(inputs)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", BODY)
    for label, value in facts(inputs):
        pdf.set_font(FONT, "B", BODY)
        pdf.cell(18, 3.6, label)
        pdf.set_font(FONT, "", BODY)
        pdf.multi_cell(0, 3.6, pdf.printable(value), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_fill_color(ANSWER_FILL)
    pdf.set_font(FONT, "B", 8)
    pdf.multi_cell(0, 4.2, pdf.printable(one_line_answer(inputs.results)), fill=True, align="L",
                   padding=Padding.new(1.5), new_x="LMARGIN", new_y="NEXT")  # fpdf makes this of 1.5; its type says int


def _scenarios(pdf: MemoPDF, inputs: MemoInputs) -> None:
    _section(pdf, "Verdict by scenario")
    rows = scenario_rows(inputs.results)
    cells = [(r.scenario, r.verdict.upper(), *r.cells) for r in rows]
    fills = {(i, 1): VERDICT_FILL[r.verdict] for i, r in enumerate(rows)}
    _table(pdf, SCENARIO_HEADINGS, cells, (32, 15, 17, 11, 38.9, 37, 15, 14, 12),
           ("LEFT", "CENTER", "RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "CENTER"), fills, bold_from=0)
    _note(pdf, "Min liquidity in USD m: cash + undrawn revolver, its lowest quarter. Default: the first liquidity, "
               "maturity or covenant event of default. Peak net leverage n.m. when LTM EBITDA <= 0 (the chart's line "
               "breaks there); the chart shows the leverage the firm's covenant tests. Dashed lines: the other "
               "case's baseline. " + funding_gap_line(inputs.results))


def _scenario_charts(pdf: MemoPDF, inputs: MemoInputs) -> None:
    height = 64.0
    _section(pdf, "Liquidity and leverage by scenario", need=height)
    svg = charts.scenario_charts(inputs.results, pdf.printable, pdf.epw, height)
    _image(pdf, svg, pdf.l_margin, pdf.get_y(), pdf.epw, height)
    pdf.set_y(pdf.get_y() + height)


def _montecarlo(pdf: MemoPDF, inputs: MemoInputs) -> None:
    height, width = 52.0, 104.0
    _section(pdf, "Monte Carlo: probability of default and the cash fan", need=height)
    mc, view = inputs.montecarlo, inputs.view
    market = view.pd if view is not None else None
    top = pdf.get_y()
    _image(pdf, charts.fan_chart(mc, market, width, height), pdf.l_margin, top, width, height)
    x = pdf.l_margin + width + 3
    pdf.set_xy(x, top + 2)
    for i, line in enumerate(montecarlo_lines(mc, view)):
        pdf.set_font(FONT, "B" if i == 0 else "", BODY if i < 2 else SMALL)
        pdf.set_x(x)
        pdf.multi_cell(pdf.l_margin + pdf.epw - x, 3.4, pdf.printable(line), align="L", new_x="LEFT", new_y="NEXT")
        pdf.ln(1.2)
    pdf.set_x(x)
    _note_at(pdf, x, "Paths drawn around the profile's own market (GPU prices with crashes, a financing market "
                     "that shuts, rates, utilisation, customer defaults, late capex); default is the first "
                     "liquidity or maturity default. The market-implied PD is a display, never an input.")
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), top + height) + 1)


def _note_at(pdf: MemoPDF, x: float, text: str) -> None:
    pdf.set_font(FONT, "I", SMALL - 0.3)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(pdf.l_margin + pdf.epw - x, 2.9, pdf.printable(text), align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0)


def _breakevens(pdf: MemoPDF, inputs: MemoInputs) -> None:
    rows = breakeven_rows(inputs.results, inputs.breakevens)
    _section(pdf, f"Breaking points: the size of each driver alone that breaks the firm ({inputs.results.cc.case.value} case)",
             need=LINE * (len(rows) + 2))
    if not rows:
        _note(pdf, "No driver applies to this profile.")
        return
    _table(pdf, BREAKEVEN_HEADINGS, rows, (27, 54, 28, 54, pdf.epw - 163), ("LEFT",) * 5)
    _note(pdf, "Each driver is searched alone from no shock to its harshest size (stress breakeven); "
               "'none, even at' gives the harshest size tried.")


def _debt(pdf: MemoPDF, inputs: MemoInputs) -> None:
    from stress.report.workbook.summary import baseline_world

    t = debt_table(inputs.results, baseline_world(inputs.results))
    _section(pdf, "Capital structure and maturity wall", need=LINE * min(len(t.rows) + 2, 12))
    if not t.rows:
        _note(pdf, t.note)
        return
    years = len(t.headings) - 6
    fixed, later = (38.0, 14.0, 14.0, 17.0, 15.0), 14.0
    rest = (pdf.epw - sum(fixed) - later) / years
    _table(pdf, t.headings, t.rows, (*fixed, *([rest] * years), later),
           ("LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT", *(["RIGHT"] * (years + 1))), bold_from=t.first_total)
    _note(pdf, t.note)


def _assumptions(pdf: MemoPDF, assumptions: list[Assumption], estimates: list[Estimate]) -> None:
    _section(pdf, "Key assumptions and the largest estimates", need=LINE * 8)
    basis = pdf.epw - 80
    _table(pdf, ("Assumption", "Value", "Basis (the profile's comment)"),
           [(a.name, a.value, _short(a.basis)) for a in assumptions], (37, 43, basis), ("LEFT",) * 3)
    pdf.ln(1.5)
    if estimates:
        _table(pdf, ("Largest estimates", "USD m", "Basis (the profile's comment)"),
               [(e.item, usd_m(e.amount_usd), _short(e.basis)) for e in estimates], (62, 18, basis),
               ("LEFT", "RIGHT", "LEFT"))
    else:
        _note(pdf, "Largest estimates: none marked; no comment in the profile says 'estimate' "
                   "(a JSON profile has no comments).")


def _short(text: str) -> str:
    return text if len(text) <= BASIS_CHARS else text[:BASIS_CHARS - 1].rstrip() + "…"


def render(inputs: MemoInputs, assumptions: list[Assumption], estimates: list[Estimate]) -> tuple[bytes, int]:
    """The memo's PDF bytes and its page count; the creation date is the run's date (``inputs.generated``)."""
    pdf = MemoPDF(footer(inputs))
    pdf.set_creation_date(inputs.generated.astimezone(dt.UTC))
    c = inputs.results.company
    pdf.set_title(pdf.printable(f"Credit memo: {c.name} ({c.ticker}), as of {c.as_of}"))
    pdf.set_creator(pdf.printable(footer(inputs)))
    pdf.add_page()
    _header(pdf, inputs)
    _scenarios(pdf, inputs)
    _scenario_charts(pdf, inputs)
    _montecarlo(pdf, inputs)
    _breakevens(pdf, inputs)
    _debt(pdf, inputs)
    _assumptions(pdf, assumptions, estimates)
    return bytes(pdf.output()), pdf.page_no()
