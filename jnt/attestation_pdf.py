"""The attestation de présence as a one-page PDF (fpdf2), with fonts that write every letter of a name.

fpdf2 silently drops a character its font lacks ("Łukasz" would come out "ukasz"), and the
Marianne served to the pages is cut to French. So the PDF embeds the full Marianne (about
600 characters), DejaVu Sans for the alphabets Marianne lacks (Greek, Cyrillic, Armenian,
Georgian), and a text any of them cannot write is refused by `unprintable` before a
document is made: an attestation never shows a name with letters missing. Both are in
jnt/fonts/, rebuilt by `make vendor`.
"""

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
FACES = {  # family, style -> file
    ("Marianne", ""): "Marianne-Regular.ttf",
    ("Marianne", "B"): "Marianne-Bold.ttf",
    ("DejaVu", ""): "DejaVuSans.ttf",
    ("DejaVu", "B"): "DejaVuSans-Bold.ttf",
}
BLUE_FRANCE = (0, 0, 145)  # the DSFR's « bleu France », #000091
GREY = (58, 58, 58)


@dataclass(frozen=True)
class Details:
    """What the attestation says, every text ready to print (typography already applied)."""

    full_name: str
    organisation: str
    organisers: tuple[str, ...]  # full names, one per line at the top
    statement: str  # « La DINUM, l’ANCT et la DITP, organisateurs de la journée, attestent que : »
    participation: str  # « a participé en présentiel à : »
    fields: tuple[tuple[str, str], ...]  # (label, value): event, date, hours, mode, place
    closing: str
    footer: str
    title: str  # the document's title in its metadata
    issued_at: dt.datetime


def clean(text: str) -> str:
    """A typed text as printed: composed (NFC) and without invisible format characters (zero-width…)."""
    return "".join(c for c in unicodedata.normalize("NFC", text) if unicodedata.category(c) != "Cf")


@functools.cache
def _covered(family: str) -> frozenset[int]:
    """Every character the family writes in both its styles."""
    maps = [TTFont(FONTS / name).getBestCmap() for (f, _), name in FACES.items() if f == family]
    return frozenset.intersection(*(frozenset(m) for m in maps))


def _missing(family: str, *texts: str) -> set[str]:
    return {c for text in texts for c in clean(text) if ord(c) not in _covered(family) and not c.isspace()}


def unprintable(*texts: str) -> set[str]:
    """The characters of these texts that no embedded font can write (empty: all can be printed)."""
    return _missing("Marianne", *texts) & _missing("DejaVu", *texts)


def render(details: Details) -> bytes:
    """The one-page A4 attestation."""
    pdf = FPDF(format="A4")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=20)
    # DejaVu only for a name that needs it: each font added costs time and bytes.
    fallback = bool(_missing("Marianne", details.full_name, details.organisation))
    for (family, style), name in FACES.items():
        if family == "Marianne" or fallback:
            pdf.add_font(family, style, FONTS / name)
    if fallback:
        pdf.set_fallback_fonts(["DejaVu"])
    pdf.set_lang("fr-FR")
    pdf.set_title(details.title)
    pdf.set_creation_date(details.issued_at)
    pdf.add_page()

    pdf.set_font("Marianne", "B", 10)
    for name in details.organisers:
        pdf.multi_cell(0, 5, name, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(18)
    pdf.set_text_color(*BLUE_FRANCE)
    pdf.set_font("Marianne", "B", 24)
    pdf.multi_cell(0, 11, "Attestation de présence", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(10)
    pdf.set_font("Marianne", "", 12)
    pdf.multi_cell(0, 6.5, details.statement, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Marianne", "B", 16)
    pdf.multi_cell(0, 8, clean(details.full_name), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Marianne", "", 12)
    pdf.multi_cell(0, 6.5, clean(details.organisation), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 6.5, details.participation, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for label, value in details.fields:
        pdf.set_font("Marianne", "B", 12)
        pdf.cell(35, 7, label)
        pdf.set_font("Marianne", "", 12)
        pdf.multi_cell(0, 7, value, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.multi_cell(0, 6.5, details.closing, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-35)
    pdf.set_text_color(*GREY)
    pdf.set_font("Marianne", "", 9)
    pdf.multi_cell(0, 4.5, details.footer, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
