"""French typography rules, applied to text where it is written (not to whole pages)."""

import pytest
from jinja2 import DictLoader, Environment, select_autoescape

from jnt.typography import NBSP, NNBSP, FrenchTypography, HtmlText, french


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lieu : Paris", f"Lieu{NBSP}: Paris"),
        ("Lieu: Paris", f"Lieu{NBSP}: Paris"),
        ("Et ensuite ?", f"Et ensuite{NNBSP}?"),
        ("C’est complet !", f"C’est complet{NNBSP}!"),
        ("présentiel ; distance", f"présentiel{NNBSP}; distance"),
        ("le « Forum »", f"le «{NBSP}Forum{NBSP}»"),
        ("l'annonce d'origine", "l’annonce d’origine"),
        ("1ère séquence, 2ème séquence", "1re séquence, 2e séquence"),
        # Not prose: left alone.
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("de 10:00 à 12:30", "de 10:00 à 12:30"),
        (":", ":"),
    ],
)
def test_rules(text, expected):
    assert french(text) == expected
    assert french(expected) == expected  # idempotent


def test_html_text_outside_tags_only():
    html = HtmlText()
    pieces = ['<a href="', '" title="a : b">Voir : ', " ? <script>x = {a : 1};</script>Fin !"]
    out = "".join(html(p) for p in pieces)
    assert out == f'<a href="" title="a : b">Voir{NBSP}: {NNBSP}? <script>x = {{a : 1}};</script>Fin{NNBSP}!'


def test_extension_changes_template_text_never_expression_values():
    templates = {
        "page.html": '<p title="x : y">Nom : {{ name }} ! <a href="{{ url }}">Lien</a> ?</p>',
        "mail.txt": "Bonjour {{ name }} !\nVotre lien : {{ url }}",
    }
    # As Flask does: HTML templates escaped, text ones not.
    env = Environment(
        loader=DictLoader(templates),
        extensions=[FrenchTypography],
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    )
    typed = {"name": "O'Neil : « test »", "url": "https://example.org/?a=1"}
    page = env.get_template("page.html").render(typed)
    assert page == (
        f'<p title="x : y">Nom{NBSP}: O&#39;Neil : « test »{NNBSP}! <a href="https://example.org/?a=1">Lien</a>{NNBSP}?</p>'
    )
    assert env.get_template("mail.txt").render(typed) == (
        f"Bonjour O'Neil : « test »{NNBSP}!\nVotre lien{NBSP}: https://example.org/?a=1"
    )
