"""A real OpenID Connect provider on loopback for the ProConnect tests: PyPI's oidc-provider-mock, run in a thread.

Made as strict as ProConnect where our client could go wrong, by request hooks on the mock's own app (a test-only
wrapper, nothing of the product): an authorization request with a parameter ProConnect does not accept, or a
state or nonce shorter than 32 characters, gets 400, as ProConnect answers; so does an end-session request
without id_token_hint, state and post_logout_redirect_uri. The mock answers userinfo in JSON only; ProConnect
answers with a JWT signed by its key (`application/jwt`): with `userinfo_jwt` on, the JSON is signed here with
the mock's own key, the one its JWKS publishes and its ID tokens are signed with.
"""

import contextlib
import threading
from urllib.parse import parse_qsl, urlsplit

import flask
import oidc_provider_mock
import requests
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "jnt-organisateurs"
CLIENT_SECRET = "un-secret-de-test-que-nul-journal-ne-doit-montrer"
# ProConnect's authorization endpoint refuses any other parameter ("Y000400 : Bad Request Exception").
ACCEPTED = {"response_type", "client_id", "redirect_uri", "scope", "claims", "state", "nonce", "prompt", "idp_hint"}
END_SESSION = {"id_token_hint", "state", "post_logout_redirect_uri"}


class Provider:
    """The running provider: its issuer URL, what it was asked, and how it answers userinfo."""

    def __init__(self, port: int):
        self.url = f"http://localhost:{port}"
        self.userinfo_jwt = True
        self.forge_userinfo = False
        self.authorize_requests: list[dict] = []
        self.userinfo_types: list[str] = []
        self.token_auth: list[str] = []

    def settings(self) -> dict:
        """The site's settings for this provider."""
        return {"OIDC_ISSUER": self.url, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET}

    def set_user(self, sub: str, **claims) -> None:
        """What the provider says about this subject (the mock's own API)."""
        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10).raise_for_status()

    def authorize(self, authorize_url: str, sub: str) -> str:
        """The agent signs in as `sub` on the provider's page; the URL it sends the browser back to."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def end_session(self, end_session_url: str) -> str:
        """The agent confirms the logout on the provider's page; the URL it sends the browser back to."""
        page = requests.get(end_session_url, timeout=10)
        assert page.status_code == 200, page.text
        query = dict(parse_qsl(urlsplit(end_session_url).query))
        back = query["post_logout_redirect_uri"] + "?state=" + query["state"]
        response = requests.post(
            f"{self.url}/oauth2/end_session/confirm", data={"redirect_uri": back}, allow_redirects=False, timeout=10
        )
        return response.headers["Location"]


def strict_app(provider: Provider) -> flask.Flask:
    """The mock's app, with ProConnect's refusals and its signed userinfo."""
    app = oidc_provider_mock.app(require_nonce=True)

    @app.before_request
    def like_proconnect():
        args = flask.request.args.to_dict()
        if flask.request.path == "/oauth2/authorize":
            provider.authorize_requests.append(args)
            short = [k for k in ("state", "nonce") if len(args.get(k, "")) < 32]
            if set(args) - ACCEPTED or short:
                return "Y000400 : Bad Request Exception", 400
        if flask.request.path == "/oauth2/end_session" and set(args) != END_SESSION:
            return "Y000400 : Bad Request Exception", 400
        if flask.request.path == "/oauth2/token":
            # How the client authenticated: its secret in the body (ProConnect's documented way), or not.
            body = "client_secret" in flask.request.form and "Authorization" not in flask.request.headers
            provider.token_auth.append("body" if body else "other")
        return None

    @app.after_request
    def signed_userinfo(response):
        if flask.request.path != "/userinfo" or response.status_code != 200:
            return response
        if provider.userinfo_jwt:
            key = RSAKey.import_key(flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True))
            claims = {**response.get_json(), "iss": flask.request.host_url.rstrip("/"), "aud": CLIENT_ID}
            header = {"alg": "RS256", **({"kid": key.kid} if key.kid else {})}
            # A forger's key under the provider's key id: the signature must not verify.
            signer = RSAKey.generate_key(2048) if provider.forge_userinfo else key
            response.set_data(jwt.encode(header, claims, signer))
            response.mimetype = "application/jwt"
        provider.userinfo_types.append(response.mimetype)
        return response

    return app


@contextlib.contextmanager
def running():
    """Serve a strict provider on a free loopback port for the duration of the block."""
    provider = Provider(0)
    server = werkzeug.serving.make_server("localhost", 0, strict_app(provider), threaded=True)
    provider.url = f"http://localhost:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
