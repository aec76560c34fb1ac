"""Gunicorn settings for `gunicorn wsgi:app` (read from the current folder; command-line options win).

Environment: JNT_BIND (e.g. unix:/run/jnt/jnt.sock, or 127.0.0.1:8000) or PORT, JNT_WORKERS.
"""

import gc
import logging
import multiprocessing
import os
import re
import sys

from gunicorn import systemd
from gunicorn.glogging import Logger

# Loopback (or a unix socket) only: sync workers serve one request each, so a few clients that send
# slowly (or read slowly) would hold every worker. A buffering reverse proxy (nginx, docs/exploitation.md)
# reads each request whole before passing it on, and takes the response at once; never expose gunicorn.
bind = os.environ.get("JNT_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Sync workers: the requests are short; SQLite writers queue on its lock (busy timeout).
workers = int(os.environ.get("JNT_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# The app (settings, content file, static files) is built once, in the master, before any worker starts:
# a file saved with an error since then cannot stop a replacement worker from booting. It also means
# SIGHUP no longer reloads code or content: restart the service, or upgrade with USR2 (docs/exploitation.md).
preload_app = True
timeout = 30  # a worker stuck longer is killed and replaced
graceful_timeout = 30  # on stop (SIGTERM), in-flight requests finish first
keepalive = 5
# Recycle workers now and then (leaks), not all at once; cheap, since the app is preloaded.
max_requests = 2000
max_requests_jitter = 200
# X-Forwarded-* are trusted only through the app's TRUSTED_PROXIES setting (ProxyFix), not here.
forwarded_allow_ips = "127.0.0.1,::1"
secure_scheme_headers = {}
# Nor SCRIPT_NAME / PATH_INFO request headers from the proxy's address: the paths come from the request
# line, and links from PUBLIC_URL, never from something a client could slip through.
forwarder_headers = ""
# Gunicorn 24+: no control socket in $HOME (shared path, unneeded: systemd sends the signals).
control_socket_disable = True

accesslog = "-"
errorlog = "-"
# No client address, referrer, user agent nor query string (personal data, tokens):
# time, method, path (private links masked), status, size, duration.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'

PRIVATE_PATH = re.compile(r"(/gerer/|/confirmer/|/ceder/)[^/?#]+")
# gunicorn's line for a malformed request names the client: "Invalid request from ip=203.0.113.5: ..."
CLIENT_ADDRESS = re.compile(r"^(Invalid request) from ip=\S*(?=: )")


class MaskingLogger(Logger):
    """Access and error logs without private tokens nor client addresses, one line per record."""

    def setup(self, cfg):
        super().setup(cfg)
        from jnt.logs import protect  # CR/LF from a URL or a header never starts a forged line

        for handler in self.error_log.handlers + self.access_log.handlers:
            protect(handler)

    def warning(self, msg, *args, **kwargs):
        if isinstance(msg, str):
            msg = CLIENT_ADDRESS.sub(r"\1", msg)
        super().warning(msg, *args, **kwargs)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = PRIVATE_PATH.sub(r"\1***", atoms["U"] or "")
        atoms["r"] = f"{atoms['m']} {atoms['U']} {atoms['H']}"
        atoms["q"] = atoms["f"] = "-"
        return atoms


logger_class = MaskingLogger


def post_fork(server, worker):
    """A new worker never shares the master's database connections (there should be none: belt and braces)."""
    from flask import Flask

    from jnt import ops

    app = server.app.wsgi() if server.cfg.preload_app else None
    if isinstance(app, Flask) and "sqlalchemy" in app.extensions:  # not benchmarks/floor.py, which has no database
        ops.after_fork(app)


def when_ready(server):
    """In the master, before any worker is forked: warm the preloaded app, then tell systemd it is ready.

    Whatever is done here is inherited by every worker, so one started by recycling does not pay
    for it again: the app's templates are compiled, the event page is rendered in every variant
    (ops.warm), and the objects made so far are frozen out of the garbage collector's passes,
    which would otherwise write to (and so copy) every memory page a worker shares with the
    master, while it serves and again when it exits.

    systemd learns which process is the master (Type=notify, NotifyAccess=all): after a USR2 upgrade,
    the new one, once it has built the app; one that fails leaves the old one in charge.
    """
    from flask import Flask

    app = server.app.wsgi() if server.cfg.preload_app else None
    if isinstance(app, Flask):
        for name in app.jinja_env.list_templates():
            app.jinja_env.get_template(name)
        if "sqlalchemy" in app.extensions:  # not benchmarks/floor.py
            from jnt import ops

            ops.warm(app)
    gc.freeze()
    systemd.sd_notify(f"MAINPID={os.getpid()}", server.log)


def worker_exit(server, worker):
    """A worker that ends normally (recycled after max_requests, or stopped) leaves without the interpreter's teardown.

    That teardown drops a reference to every object the worker shares with the master, which
    writes to (and so copies) each memory page holding one: a recycled worker paid for the whole
    app again on its way out. What must not be lost is flushed first (the logs); the database
    needs nothing more than a killed worker does (connections close with the process, a claimed
    e-mail is retried after its lease). A worker failing to boot keeps the normal exit and its
    exit code, which the master reads.
    """
    exiting = sys.exc_info()[1]
    if not isinstance(exiting, SystemExit) or exiting.code not in (0, None):
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)
