"""Odd query-string values never make a page fail: every GET route, every parameter the code reads."""

from urllib.parse import quote

from organisers_support import add_organiser, login, register
from walk import get_urls, query_names

# Digits Python's isdigit() accepts but int() refuses (²), other scripts' digits, signs, huge numbers,
# NUL (PostgreSQL refuses it in a string), invalid UTF-8, markup, very long text.
ODD_VALUES = ["²", "٣", "-1", "0", "1.5", "1e9", "9" * 30, "", " ", "\x00", "a\x00b", "'\"><b>", "é" * 300, "∞"]
NOT_UTF8 = ["%FF%FE", "%ED%A0%80"]


def test_query_parameters_are_found():
    assert {"page", "q", "tri", "mode", "statut", "suivant"} <= query_names()


def test_odd_query_values_never_fail(make_app):
    app = make_app()
    registration_id = register(app, n=1)
    add_organiser(app)
    anonymous, organiser = app.test_client(), app.test_client()
    assert login(organiser).status_code == 303
    urls = get_urls(app, registration_id=registration_id)
    assert "/organisateurs/" in urls and "/organisateurs/pointage" in urls
    names = sorted(query_names())
    # Every parameter at once with the same odd value: the views read all theirs before answering.
    queries = ["&".join(f"{n}={quote(v)}" for n in names) for v in ODD_VALUES]
    queries += ["&".join(f"{n}={raw}" for n in names) for raw in NOT_UTF8]
    queries += ["&".join(names)]  # names without '='
    queries += ["&".join(f"{n}=1&{n}=%C2%B2" for n in names)]  # every one twice, the second odd
    for url in urls:
        client = organiser if url.startswith("/organisateurs") else anonymous
        for query in queries:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, query_string=query, headers=headers)
                assert response.status_code < 500, (url, query, headers)
