"""Security headers on every response, the session cookie's flags, and trusted proxies."""

from urllib.parse import urlsplit

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import OIDC_SETTINGS


def csp(form_targets: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy; `form_targets`: other origins a form's POST may be redirected to.

    No 'unsafe-inline' / 'unsafe-eval': htmx is configured by a meta tag, its styles live in jnt.css.
    img-src data: for the DSFR's inline SVG icons (background and mask images in its CSS) and the
    ProConnect button's image. form-action also governs where a form's POST may be redirected
    (Chromium, Safari): ProConnect's origin when it is set up, and, on the one page with the
    video-conference button, that host (visio.py); no other.
    """
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            " ".join(("form-action 'self'", *form_targets)),
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        )
    )


def form_targets(cfg) -> tuple[str, ...]:
    """Origins our forms lead to: ProConnect's, when it is set up (sign-in button, and logout's end-session)."""
    if not all(cfg.get(name) for name in OIDC_SETTINGS):
        return ()
    issuer = urlsplit(cfg["OIDC_ISSUER"])
    return (f"{issuer.scheme}://{issuer.netloc}",)


CSP = csp()
OTHER_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    # Sends the origin on same-origin HTTPS posts, so Flask-WTF's referrer check keeps working.
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """WSGI middleware: adds the headers to every response, static files and errors included.

    A middleware rather than an after_request hook, because WhiteNoise answers for
    static files before Flask sees the request.
    """

    def __init__(self, wsgi_app, policy: str = CSP):
        self.wsgi_app = wsgi_app
        self.headers = (("Content-Security-Policy", policy), *OTHER_HEADERS)

    def __call__(self, environ, start_response):
        https = environ.get("wsgi.url_scheme") == "https"

        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            extra = [h for h in self.headers if h[0].lower() not in present]
            if https:
                extra.append(HSTS)
            return start_response(status, [*headers, *extra], exc_info)

        return self.wsgi_app(environ, start)


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (or if forced).

    Its signing serializer is made once, not at every request as Flask does: the secret key
    does not change while the app runs (a changed key still gets a new one).
    """

    _signing = (None, None)

    def get_signing_serializer(self, app: Flask):
        key, serializer = self._signing
        if key != app.secret_key or serializer is None:
            serializer = super().get_signing_serializer(app)
            self._signing = (app.secret_key, serializer)
        return serializer

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Wrap the WSGI app (call last, after other middlewares) and set the session interface."""
    app.session_interface = SessionInterface()
    app.wsgi_app = SecurityHeaders(app.wsgi_app, csp(form_targets(app.config)))
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # Outermost. Only the headers the documented nginx block overwrites are believed: the client's
        # address (rate limits) and the scheme (HSTS, Secure cookie, CSRF referrer check). Host and prefix
        # never come from a header: links and redirects are built on PUBLIC_URL (urls.py).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
