"""A test client that posts forms like a browser over HTTPS: fields read from the page, Referer as its policy says.

Flask-WTF refuses an HTTPS form post whose Referer is missing or names another site, and a
browser sends the Referer the page's referrer policy allows (the Referrer-Policy header, then
any <meta name="referrer">, the last one winning). A test that posts without it, or over http,
never sees a page whose policy stops its own forms.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

DEFAULT_POLICY = "strict-origin-when-cross-origin"
POLICIES = {
    "no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
    "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url",
}  # fmt: skip
# Legacy <meta name="referrer"> keywords (HTML standard).
LEGACY = {"never": "no-referrer", "default": DEFAULT_POLICY, "always": "unsafe-url",
          "origin-when-crossorigin": "origin-when-cross-origin"}  # fmt: skip


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def referrer(policy: str, page_url: str, target_url: str) -> str | None:
    """The Referer a browser sends from `page_url` to `target_url` (Referrer Policy, "determine request's referrer")."""
    parts = urlsplit(page_url)
    full = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, ""))
    origin = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/", "", ""))
    same = _origin(page_url) == _origin(target_url)
    downgrade = parts.scheme == "https" and urlsplit(target_url).scheme != "https"
    return {
        "no-referrer": None,
        "unsafe-url": full,
        "origin": origin,
        "no-referrer-when-downgrade": None if downgrade else full,
        "same-origin": full if same else None,
        "strict-origin": None if downgrade else origin,
        "origin-when-cross-origin": full if same else origin,
        "strict-origin-when-cross-origin": full if same else (None if downgrade else origin),
    }[policy]


def _last_known(values) -> str | None:
    known = [v for v in (LEGACY.get(v, v) for v in values) if v in POLICIES]
    return known[-1] if known else None


class Page(HTMLParser):
    """The forms of a page (action, method, the fields a browser would send) and its <meta name="referrer">."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms, self.meta_policies, self._form, self._select, self._textarea = [], [], None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("name") or "").lower() == "referrer":
            self.meta_policies.append((a.get("content") or "").strip().lower())
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            return
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                self._form["fields"][a["name"]] = a.get("value", "on")
        elif tag == "input" and a.get("type") not in ("submit", "button", "image", "reset", "file"):
            self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and (self._select not in self._form["fields"] or "selected" in a):
            self._form["fields"][self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""

    def handle_data(self, data):
        if self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class Browser(FlaskClient):
    """Requests go to https://localhost with the Referer the current page allows; html pages become the page."""

    base_url = "https://localhost"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.page_url: str | None = None
        self.policy = DEFAULT_POLICY
        self.page = Page("")
        self.posted: list[str] = []

    def open(self, *args, **kwargs):
        if not (args and isinstance(args[0], str)):  # a redirect being followed: as it is
            return super().open(*args, **kwargs)
        kwargs.setdefault("base_url", self.base_url)
        headers = Headers(kwargs.pop("headers", None))
        target = urljoin(kwargs["base_url"] + "/", args[0])
        if self.page_url and "Referer" not in headers:
            value = referrer(self.policy, self.page_url, target)
            if value:
                headers["Referer"] = value
        if kwargs.get("method") == "POST":
            self.posted.append(urlsplit(target).path)
        response = super().open(*args, headers=headers, **kwargs)
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            if "HX-Request" not in headers:  # a new document
                self.page_url = response.request.url
                self.page = Page(response.get_data(as_text=True))
                self.policy = _last_known(self.page.meta_policies) or _last_known(
                    v.strip().lower() for v in response.headers.get("Referrer-Policy", "").split(",")
                ) or DEFAULT_POLICY  # fmt: skip
            elif "HX-Push-Url" in response.headers:  # htmx changed the document's address
                self.page_url = urljoin(self.page_url, response.headers["HX-Push-Url"])
        return response

    def submit(self, action: str = "", data: dict | None = None, htmx: bool = False):
        """Post the page's first form whose action contains `action`, with its fields and `data` typed in."""
        form = next(f for f in self.page.forms if f["method"] == "post" and action in f["action"])
        headers = {"HX-Request": "true"} if htmx else {}
        path = urlsplit(urljoin(self.page_url, form["action"])).path
        return self.post(path, data={**form["fields"], **(data or {})}, headers=headers)
