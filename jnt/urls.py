"""Every link and redirect is built on the site's public address (PUBLIC_URL), never on what the client sent.

The Host header and any X-Forwarded-Host/Prefix are the client's to choose: a page, a
cached page or a redirect built from them would send visitors to another site. Flask
builds URLs (url_for, _external links, Werkzeug's `/organisateurs` -> `/organisateurs/`
redirect) with the request's URL adapter; here that adapter takes its host, scheme and
path prefix from PUBLIC_URL. Matching still uses the request's path, so any Host is
served (a load balancer probes /healthz by address) unless TRUSTED_HOSTS lists them.
"""

from urllib.parse import urlsplit

from flask import Flask, Request, url_for
from werkzeug.exceptions import SecurityError
from werkzeug.routing import MapAdapter
from werkzeug.sansio.utils import get_host


class App(Flask):
    """Flask, with URLs built on PUBLIC_URL in requests, the CLI and background threads alike.

    Two per-request costs of Flask are paid once instead: the URL adapter of the application
    context (it depends on PUBLIC_URL only) and the check that a view or hook is a coroutine.
    """

    _base: tuple = (None, None)
    _bare_adapter: tuple = (None, None)

    def _public_base(self):
        url, base = self._base
        if url != self.config["PUBLIC_URL"]:
            url, base = self.config["PUBLIC_URL"], urlsplit(self.config["PUBLIC_URL"])
            self._base = (url, base)
        return base

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        base = self._public_base()
        if request is None:
            # This adapter only builds URLs, holds no per-request state and reads the map's rules when
            # it builds (so rules added later count): one per PUBLIC_URL.
            if self._bare_adapter[0] != base:
                adapter = self.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
                self._bare_adapter = (base, adapter)
            return self._bare_adapter[1]
        if (trusted := self.config["TRUSTED_HOSTS"]) is not None:
            request.trusted_hosts = trusted
            try:
                get_host(request.scheme, request.headers.get("host"), request.server, trusted)
            except SecurityError as exc:
                # Refused (400) when the request is dispatched; the adapter still builds the error page's links.
                request.routing_exception = exc
        environ = {**request.environ, "wsgi.url_scheme": base.scheme, "SCRIPT_NAME": base.path.rstrip("/")}
        return self.url_map.bind_to_environ(environ, server_name=base.netloc, subdomain="")

    def ensure_sync(self, func):
        """Flask inspects every view and hook at every call for a coroutine; the answer never changes."""
        known = self.__dict__.setdefault("_sync", {})
        try:
            return known[func]
        except KeyError:
            known[func] = synced = super().ensure_sync(func)
            return synced
        except TypeError:  # not hashable: ask Flask each time
            return super().ensure_sync(func)


def public_url(endpoint: str, **values) -> str:
    """An absolute URL on PUBLIC_URL, with or without a request (CLI, background thread)."""
    return url_for(endpoint, _external=True, **values)
