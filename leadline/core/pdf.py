"""PDF documents (consent forms, legal notices and the quarterly evidence report) with fpdf2.

fpdf2 is pure Python (no system libraries to install, unlike WeasyPrint's Pango), actively maintained,
and embeds TrueType fonts, so names in any Latin, Greek or Cyrillic script print as written. DejaVu Sans
is vendored in leadline/core/fonts (free licence, DejaVu.LICENSE).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FONTS = Path(__file__).resolve().parent / "fonts"


class Document(FPDF):
    """A4-agnostic Letter page, DejaVu Sans, a running footer with the page number and a title."""

    def __init__(self, *, title: str, footer: str = ""):
        super().__init__(format="Letter")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_creator("Leadline")
        self.footer_text = footer
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(20, 18, 20)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, f"{self.footer_text}   {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, size: int = 15) -> None:
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, size: int = 10, bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def field(self, label: str, value: str) -> None:
        self.set_font("DejaVu", "B", 10)
        self.multi_cell(0, 5, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", 10)
        self.multi_cell(0, 5, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def data_table(self, headings: list[str], rows: list[list[str]], widths: tuple[int, ...] | None = None,
                   size: int = 9) -> None:  # fmt: skip
        """A ruled table with a bold heading row; ``widths`` are proportions of the page's width."""
        self.set_font("DejaVu", "", size)
        with self.table(col_widths=widths, first_row_as_headings=True, line_height=size * 0.5,
                        headings_style=FontFace(emphasis="BOLD")) as table:  # fmt: skip
            for cells in (headings, *rows):
                row = table.row()
                for cell in cells:
                    row.cell(cell)
        self.ln(2)

    def signature_line(self, label: str) -> None:
        self.ln(8)
        y = self.get_y()
        self.line(self.l_margin, y, self.l_margin + 100, y)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def render(self) -> bytes:
        return bytes(self.output())
