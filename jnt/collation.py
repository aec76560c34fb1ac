"""French ordering and search folding of names, shared by the dashboard, check-in, exports and sign-in sheet.

Ordering: the Unicode Collation Algorithm with its default table (pyuca). CLDR's French
collation is the root collation, so this is French order: « Çakır » with the C, « Ébrard »
with the E, « Ørsted » with the O, before « Straße ». Python's `sorted` and SQL `lower()`
compare code points, which puts every accented capital after Z.

Search: what a phone keyboard can type. Case, accents, apostrophes and hyphens are dropped,
and the letters Unicode decomposition keeps whole are spelled out (œ → oe, ß → ss, ø → o…),
so « loeuvre » finds « L’Œuvre » and « strasse » finds « Straße ».
"""

import functools
import unicodedata

from pyuca import Collator

# Letters with no decomposition: spelled as a French keyboard user types them.
SPELLED_OUT = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "ı": "i", "đ": "d", "ð": "d", "þ": "th"}
)
# Apostrophes and hyphens of every kind: « L’Œuvre » and « Jean-Pierre » match « loeuvre », « jeanpierre ».
DROPPED = str.maketrans("", "", "'’‘`´ʼ-‐‑‒–—")


def fold(text: str) -> str:
    """Lower-case text without accents, apostrophes nor hyphens, ligatures spelled out (for matching)."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(SPELLED_OUT))
    return "".join(c for c in text if not unicodedata.combining(c)).translate(DROPPED)


def matches(words: list[str], *fields: str) -> bool:
    """Every folded word appears in one of the fields, folded the same way."""
    haystack = " ".join(fold(f) for f in fields)
    return all(w in haystack for w in words)


def search_words(text: str) -> list[str]:
    """The words of a search, folded."""
    return [w for w in (fold(part) for part in text.split()) if w]


@functools.cache
def _collator() -> Collator:
    """The collation table, read once per process."""
    return Collator()


def key(text: str) -> tuple:
    """A sort key in French order (case and accents only break ties)."""
    return _collator().sort_key(unicodedata.normalize("NFD", text))


def person_key(person) -> tuple:
    """Last name, then first name, in French order; the id keeps equal names stable."""
    return key(person.last_name), key(person.first_name), person.id
