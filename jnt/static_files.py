"""Static files: content-hashed names cached for a year, precompressed, served by WhiteNoise.

At start-up every file of jnt/static is copied into the build folder twice, under its
own name (short cache: relative URLs in CSS, old links) and under a name carrying a
hash of its content (immutable), each with .gz and .br siblings. CSS url(...)
references are rewritten to the hashed names first. `url_for('static', ...)` then
returns the hashed URL. A stamp named after the manifest makes later starts cheap.
"""

import fcntl
import gzip
import hashlib
import json
import os
import re
from pathlib import Path

import brotli
from flask import Flask
from werkzeug.http import parse_etags, unquote_etag
from whitenoise import WhiteNoise

from .html_cache import encoding_for

HASHED_URL = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
# Relative url(...) in CSS: not data:, not absolute, not a fragment.
CSS_URL = re.compile(r"""url\((['"]?)(?![a-z]+:|/|#)([^'")?#]+)([^'")]*)\1\)""")
NOT_COMPRESSED = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".gz", ".br"}
SHORT_MAX_AGE = 3600


class StaticFiles(WhiteNoise):
    """WhiteNoise with a one-year immutable cache for hashed names and our security headers."""

    FOREVER = 365 * 24 * 3600

    def immutable_file_test(self, path, url):
        return bool(HASHED_URL.search(url))

    def serve(self, static_file, environ, start_response):
        """WhiteNoise's response, after reading the request's conditions as HTTP means them.

        WhiteNoise compares If-None-Match as one exact string and looks for "br" anywhere in
        Accept-Encoding: here a weak tag or a list naming the file's tag gets its 304, and
        `br;q=0` gets the gzip or plain file.
        """
        environ = dict(environ)
        if "HTTP_IF_NONE_MATCH" in environ:
            tag = unquote_etag(static_file.etag)[0]
            if parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains_weak(tag):
                environ["HTTP_IF_NONE_MATCH"] = static_file.etag
        environ["HTTP_ACCEPT_ENCODING"] = encoding_for(environ.get("HTTP_ACCEPT_ENCODING", "")) or ""
        return super().serve(static_file, environ, start_response)


def hashed_name(rel: str, digest: str) -> str:
    """css/jnt.css -> css/jnt.0123456789ab.css"""
    stem, dot, ext = rel.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot and "/" not in ext else f"{rel}.{digest}"


def rewrite_css(data: bytes, rel: str, manifest: dict) -> bytes:
    """Point relative url(...) references at the hashed names (unknown ones are left alone)."""
    base = rel.rpartition("/")[0]

    def sub(match):
        quote, target, suffix = match.groups()
        resolved = os.path.normpath(os.path.join(base, target)).replace(os.sep, "/")
        if resolved not in manifest:
            return match.group(0)
        new = os.path.relpath(manifest[resolved], base or ".").replace(os.sep, "/")
        return f"url({quote}{new}{suffix}{quote})"

    return CSS_URL.sub(sub, data.decode()).encode()


def write(path: Path, data: bytes) -> None:
    """Write atomically (other workers may be reading)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def build(source: Path, out: Path) -> dict:
    """Hash, rewrite and precompress every file; returns {name: hashed name}."""
    contents, manifest = {}, {}
    files = sorted((p for p in source.rglob("*") if p.is_file()), key=lambda p: (p.suffix == ".css", str(p)))
    for path in files:
        rel = path.relative_to(source).as_posix()
        data = path.read_bytes()
        if path.suffix == ".css":
            data = rewrite_css(data, rel, manifest)
        manifest[rel] = hashed_name(rel, hashlib.sha256(data).hexdigest()[:12])
        contents[rel] = data
    stamp = out / f".manifest-{hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]}.json"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker builds, the others wait for it
        if stamp.is_file():
            return json.loads(stamp.read_text())
        for rel, data in contents.items():
            variants = {"": data}
            if Path(rel).suffix not in NOT_COMPRESSED and len(data) > 256:
                variants[".gz"] = gzip.compress(data, 9, mtime=0)
                variants[".br"] = brotli.compress(data)
            for name in (rel, manifest[rel]):
                for ext, body in variants.items():
                    write(out / "files" / (name + ext), body)
        write(stamp, json.dumps(manifest, sort_keys=True).encode())
    return manifest


def init_app(app: Flask) -> None:
    """Build the static folder, serve it with WhiteNoise, and hash url_for('static') URLs."""
    if app.debug:
        return  # `flask run --debug`: Flask serves jnt/static as it is, edits show at once
    out = Path(app.config["STATIC_BUILD_DIR"] or os.path.join(app.instance_path, "static"))
    manifest = build(Path(app.static_folder), out)

    @app.url_defaults
    def hashed_static(endpoint, values):
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    prefix = app.static_url_path.strip("/") + "/"
    app.wsgi_app = StaticFiles(
        app.wsgi_app, root=str(out / "files"), prefix=prefix, max_age=SHORT_MAX_AGE, allow_all_origins=False
    )
