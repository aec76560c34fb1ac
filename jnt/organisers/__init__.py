"""The organisers' area (/organisateurs/): one blueprint, its private headers, and the `organiser` commands.

Every module here is a room of the area: auth (login, the `login_required` guard), sessions,
login_limit, dashboard (counts and the list), actions (waiting list), checkin, walk_ins, exports,
messages and segments (messages to registrants), audit, forms, cli.
"""

from flask import Blueprint, Flask, request

from . import actions, auth, checkin, cli, dashboard, exports, messages, walk_ins

PREFIX = "/organisateurs"
bp = Blueprint("organisers", __name__, url_prefix=PREFIX)
bp.add_url_rule("/", view_func=dashboard.dashboard, methods=["GET"])
for child in (auth.bp, actions.bp, exports.bp, checkin.bp, walk_ins.bp, messages.bp):
    bp.register_blueprint(child)


@bp.after_app_request
def private_headers(response):
    """Organiser responses (pages, fragments, exports, errors) are never stored nor indexed."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def init_app(app: Flask) -> None:
    """Register the organisers' area and its command line."""
    app.register_blueprint(bp)
    app.cli.add_command(cli.organiser)
    auth.decoy_hash()  # computed once per process, so no login pays for it
