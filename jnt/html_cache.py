"""HTML responses: compressed when the client accepts it, with an ETag so unchanged pages cost a 304."""

import functools
import gzip

import brotli
from flask import Flask, Response, request

MIN_SIZE = 512


def _weights(accept: str) -> dict[str, float]:
    """Accept-Encoding as {coding: q} (RFC 9110 12.5.3); a malformed q-value counts as a refusal."""
    weights = {}
    for part in accept.lower().split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        if coding:
            weights["gzip" if coding == "x-gzip" else coding] = q
    return weights


@functools.lru_cache(maxsize=256)  # browsers send a handful of distinct values
def encoding_for(accept: str) -> str | None:
    """The encoding to send: the accepted one with the highest q (br on a tie), or None (identity).

    `br;q=0` refuses brotli; `*` stands for any coding not named.
    """
    weights = _weights(accept)
    best, best_q = None, 0.0
    for coding in ("br", "gzip"):
        q = weights.get(coding, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


def compress(body: bytes, encoding: str) -> bytes:
    """The body in the given encoding (deterministic output, so ETags are stable per representation)."""
    return brotli.compress(body, quality=5) if encoding == "br" else gzip.compress(body, 6, mtime=0)


def compress_and_tag(response: Response) -> Response:
    """Compress HTML bodies, add an ETag, answer 304 when the client already has this version.

    A view that tagged its own response (the cached event page, see pagecache.respond) is left alone.
    """
    if response.mimetype != "text/html" or "ETag" in response.headers or "Content-Encoding" in response.headers:
        return response  # not a page (/healthz, a file), or already finished (the cached event page)
    if request.method not in ("GET", "HEAD") or response.direct_passthrough or response.is_streamed:
        return response
    response.vary.add("Accept-Encoding")
    if "Cache-Control" not in response.headers:
        # Browsers may keep a copy but must ask again (a 304 when unchanged); shared caches keep none.
        response.cache_control.private = True
        response.cache_control.no_cache = True
    body = response.get_data()
    encoding = encoding_for(request.headers.get("Accept-Encoding", ""))
    if encoding and len(body) >= MIN_SIZE:
        response.set_data(compress(body, encoding))
        response.headers["Content-Encoding"] = encoding
    if response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    """Register the hook (runs after the views' own after_request hooks)."""
    app.after_request(compress_and_tag)
