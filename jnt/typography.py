"""French typography where text is written: the content file at load, template text at compile time.

Never applied to a page as a whole: what people typed, URLs, e-mail addresses and JSON-LD
come through template expressions and stay as they are. The rules (Lexique des règles
typographiques en usage à l'Imprimerie nationale, as the State's sites apply them):

- a no-break space (U+00A0) before « : » and inside « « » »;
- a narrow no-break space (U+202F) before « ; », « ! » and « ? »;
- a curly apostrophe (’) between letters;
- ordinals « 1re », « 2e » (not « 1ère », « 2ème »).
"""

import re

from jinja2.ext import Extension
from jinja2.lexer import Token

NBSP, NNBSP = "\u00a0", "\u202f"
SPACES = "[ \u00a0\u202f]"  # ordinary and no-break spaces (never a line break)

RULES = (
    # A colon that ends a word (« Lieu : », « Lieu: »), not one inside a URL or a time (« http:// », « 10:00 »).
    # At the start of a piece (after an expression), only with a space before: « {{ h }}:{{ m }} » stays.
    (re.compile(rf"(?:(?<=[^\s:/]){SPACES}*|^{SPACES}+):(?=\s|$|[»)])"), f"{NBSP}:"),
    (re.compile(rf"(?:(?<=\S){SPACES}*|^{SPACES}+)([!?])(?=\s|$|[»)])"), rf"{NNBSP}\1"),
    # « ; » only after a space: « &amp; » and other character references end with a bare « ; ».
    (re.compile(rf"(?:(?<=\S)|^){SPACES}+;(?=\s|$)"), f"{NNBSP};"),
    (re.compile(rf"«{SPACES}*"), f"«{NBSP}"),
    (re.compile(rf"{SPACES}*»"), f"{NBSP}»"),
    (re.compile(r"(?<=\w)'(?=\w)"), "’"),
    (re.compile(r"\b1(?:ère|ere)(s?)\b"), r"1re\1"),
    (re.compile(r"\b(\d+)(?:ème|eme)(s?)\b"), r"\1e\2"),
)


def french(text: str) -> str:
    """Apply the rules to natural-language text (idempotent)."""
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text


# HTML: only the text between tags is French prose; tags, attributes, scripts and styles are not.
RAW_ELEMENTS = ("script", "style")


class HtmlText:
    """Applies `french` to the text of HTML given in pieces, keeping track of tags across pieces.

    A template's literal text comes in pieces cut by its expressions (``<a href="{{ url }}">``):
    whether a piece starts inside a tag depends on the pieces before it.
    """

    def __init__(self):
        self.in_tag = False
        self.raw = None  # inside <script> or <style>: nothing is prose
        self.opening = None  # the raw element whose opening tag is being read

    def __call__(self, data: str) -> str:
        out, pos = [], 0
        while pos < len(data):
            if self.in_tag:
                end = data.find(">", pos)
                if end == -1:
                    out.append(data[pos:])
                    break
                out.append(data[pos : end + 1])
                pos, self.in_tag, self.raw, self.opening = end + 1, False, self.opening, None
            elif self.raw:
                close = re.compile(rf"</\s*{self.raw}", re.IGNORECASE).search(data, pos)
                stop = close.start() if close else len(data)
                out.append(data[pos:stop])
                pos, self.raw = stop, None if close else self.raw
            else:
                start = data.find("<", pos)
                stop = len(data) if start == -1 else start
                out.append(french(data[pos:stop]))
                if start == -1:
                    break
                name = re.match(r"<\s*([a-zA-Z]+)", data[start:])
                self.opening = name.group(1).lower() if name and name.group(1).lower() in RAW_ELEMENTS else None
                pos, self.in_tag = start, True
        return "".join(out)


class FrenchTypography(Extension):
    """Jinja extension: the rules applied to each template's literal text when it is compiled.

    Expressions ({{ … }}) are left alone: their values are what people typed, URLs, or
    content already set by `french` when the content file was read.
    """

    def filter_stream(self, stream):
        name = stream.name or ""
        html = not name.endswith(".txt")
        text = HtmlText() if html else french
        for token in stream:
            yield Token(token.lineno, "data", text(token.value)) if token.type == "data" else token
