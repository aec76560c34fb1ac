"""The French typography checker: faults in the visible text of pages, e-mails and files."""

import re
from html.parser import HTMLParser

NBSP, NNBSP = "\u00a0", "\u202f"

FAULTS = (
    # « : » needs a no-break space before it (not in URLs nor times, which have no space after).
    (re.compile(r"(?<!\u00a0):(?=\s|$)"), "espace insécable manquante avant « : »"),
    (re.compile(r"(?<!\u202f)[;!?](?=\s|$|\u00a0»)"), "espace fine insécable manquante avant « ; ! ? »"),
    (re.compile(r"«(?!\u00a0)"), "espace insécable manquante après « « »"),
    (re.compile(r"(?<!\u00a0)»"), "espace insécable manquante avant « » »"),
    (re.compile(r"(?<=\w)'(?=\w)"), "apostrophe droite"),
    (re.compile(r"\d(?:ère|ème|eme)s?\b"), "ordinal (« 1re », « 2e »)"),
    (re.compile(r"UTC[+-]\d"), "décalage UTC (« heure de Paris » suffit)"),
)


def faults(text: str) -> list[str]:
    """Each fault with its context, e.g. ['espace … : « Lieu: Paris »']."""
    found = []
    for pattern, what in FAULTS:
        for m in pattern.finditer(text):
            context = text[max(m.start() - 25, 0) : m.end() + 10].replace("\n", " ")
            found.append(f"{what} : « {context} »")
    return found


class _Text(HTMLParser):
    """Text a person reads: text nodes (not scripts nor styles), the title, and accessible names."""

    ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.parts.extend(v for k, v in attrs if k in self.ATTRIBUTES and v)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's readable text, one piece per line."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)
