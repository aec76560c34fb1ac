"""/healthz for the load balancer: a real write to the database, and room left on its disk."""

import os
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url

from .models import Heartbeat, db, utcnow

bp = Blueprint("ops", __name__)  # endpoint ops.healthz, as before it had a module of its own


@bp.get("/healthz")
def healthz():
    """For the load balancer: 200 only if the database takes a write now and the disk has room; no personal data."""
    cfg = current_app.config
    body, healthy = {"database": "ok"}, True
    try:
        write_heartbeat(cfg["HEALTHZ_BUSY_TIMEOUT"])
    except Exception as exc:
        # One line, no traceback: a probe every few seconds must not fill the disk it reports on.
        current_app.logger.error("healthz : écriture dans la base impossible (%s)", type(exc).__name__)
        body["database"], healthy = "écriture impossible", False
    path = sqlite_file(db.engine.url)
    if path is not None:  # PostgreSQL: its disk is the database server's to watch
        body["disk"] = disk_state(path, cfg["HEALTHZ_MIN_FREE_MB"])
        healthy = healthy and body["disk"] == "ok"
    response = jsonify(status="ok" if healthy else "error", **body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def write_heartbeat(busy_timeout: float) -> None:
    """Rewrite the heartbeat row and commit, waiting at most `busy_timeout` seconds for a lock.

    A read, or an empty BEGIN IMMEDIATE, succeeds on a read-only SQLite file: only a
    committed write proves the site can register anyone.
    """
    ms = max(int(busy_timeout * 1000), 1)
    now = utcnow()
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {ms}")  # this connection only: restored below
        else:
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
        try:
            dialect = sqlite_dialect if sqlite else postgresql
            conn.execute(
                dialect.insert(Heartbeat)
                .values(id=1, at=now)
                .on_conflict_do_update(index_elements=["id"], set_={"at": now})
            )
            conn.commit()
        finally:
            if sqlite:
                _restore_busy_timeout(conn)


def _restore_busy_timeout(conn) -> None:
    """Give the pooled connection its usual busy timeout back, or drop it from the pool."""
    try:
        conn.rollback()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(current_app.config['SQLITE_BUSY_TIMEOUT'] * 1000)}")
        conn.rollback()
    except Exception:
        conn.invalidate()


def sqlite_file(url) -> Path | None:
    """The SQLite file behind a database URL, or None (another database, or in memory)."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def disk_state(path: Path, min_free_mb: float) -> str:
    """ "ok" if the file system holding the SQLite file has `min_free_mb` free for an unprivileged writer."""
    try:
        stat = os.statvfs(path.parent)
    except OSError:
        current_app.logger.error("healthz : dossier de la base inaccessible")
        return "inaccessible"
    if stat.f_bavail * stat.f_frsize < min_free_mb * 1e6:
        current_app.logger.error("healthz : moins de %s Mo libres pour la base", min_free_mb)
        return "presque plein"
    return "ok"
