"""Static text files (CSS, JS, SVG) sent gzip-compressed to browsers that accept it.

The DSFR stylesheet weighs 570 KB and 67 KB compressed: a first visit stays light even when
gunicorn serves the files itself. Each file is compressed once per worker and kept in memory
(the static folder holds a handful of text files); fonts and images are already compressed.
"""

import gzip
import hashlib
import mimetypes
import os

from flask import Flask, Response, abort, request
from werkzeug.security import safe_join

COMPRESSIBLE = (".css", ".js", ".svg", ".txt", ".json")


def init_app(app: Flask) -> None:
    """Wrap Flask's static view: compressed answer when accepted, the plain file otherwise."""
    plain = app.view_functions["static"]
    cache: dict[str, tuple[float, bytes, str]] = {}

    def static(filename: str):
        """A static file, gzip-compressed if the browser accepts it (ETag, no-cache like Flask's)."""
        if not filename.endswith(COMPRESSIBLE):
            return plain(filename=filename)
        if not request.accept_encodings["gzip"]:
            response = plain(filename=filename)
            response.vary.add("Accept-Encoding")
            return response
        path = safe_join(app.static_folder, filename)
        if path is None or not os.path.isfile(path):
            abort(404)
        mtime = os.stat(path).st_mtime
        entry = cache.get(path)
        if entry is None or entry[0] != mtime:
            with open(path, "rb") as f:
                data = gzip.compress(f.read(), 9, mtime=0)
            entry = cache[path] = (mtime, data, hashlib.sha256(data).hexdigest()[:32] + "-gz")
        response = Response(entry[1], mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream")
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        response.set_etag(entry[2])
        response.cache_control.no_cache = True
        return response.make_conditional(request)

    app.view_functions["static"] = static
