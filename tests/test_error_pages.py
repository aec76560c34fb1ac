"""French error pages in the layout, for normal and htmx requests, never a traceback."""

import pytest
from flask import abort

SECRET = "a-real-secret-for-this-test-0123456789"


@pytest.fixture
def app(make_app):
    app = make_app(TESTING=False, SECRET_KEY=SECRET, MAX_CONTENT_LENGTH=1024, REGISTRATION_RATE_LIMIT=1)

    @app.get("/test/interdit")
    def forbidden():
        abort(403)

    @app.get("/test/plantage")
    def crash():
        raise RuntimeError("boom: " + app.config["SECRET_KEY"])

    return app


def request_for(client, code: int, headers: dict):
    if code == 400:
        return client.post("/inscription", data={"first_name": "x"}, headers=headers)  # no CSRF token
    if code == 403:
        return client.get("/test/interdit", headers=headers)
    if code == 404:
        return client.get("/nulle-part", headers=headers)
    if code == 405:
        return client.delete("/", headers=headers)
    if code == 413:
        return client.post("/inscription", data={"first_name": "x" * 5000}, headers=headers)
    if code == 429:
        client.application.config["WTF_CSRF_ENABLED"] = False
        client.post("/inscription", data={}, headers=headers)
        return client.post("/inscription", data={}, headers=headers)
    return client.get("/test/plantage", headers=headers)


TITLES = {
    400: "Session expirée",
    403: "Accès refusé",
    404: "Page non trouvée",
    405: "Méthode non autorisée",
    413: "Envoi trop volumineux",
    429: "Trop de tentatives",
    500: "Erreur du serveur",
}


@pytest.mark.parametrize("code", sorted(TITLES))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_error_page_in_french(app, code, htmx):
    client = app.test_client()
    headers = {"HX-Request": "true"} if htmx else {}
    response = request_for(client, code, headers)
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert TITLES[code] in html
    for leak in ("Traceback", "boom", SECRET, "RuntimeError", "Werkzeug"):
        assert leak not in html
    if htmx:
        assert response.headers["HX-Retarget"] == "#messages"
        assert "<html" not in html
    else:
        assert '<html lang="fr"' in html and "fr-header" in html
