"""The organisers' area (/organisateurs/): one blueprint, its private headers, and the `organiser` commands.

Every module here is a room of the area: auth (login, the `requires(role)` guard), proconnect
(sign-in with ProConnect), sessions, login_limit, dashboard (counts and the list), actions (waiting
list), checkin, walk_ins, exports, messages and segments (messages to registrants), audit, forms, cli.
"""

from flask import Blueprint, Flask, request

from . import actions, auth, checkin, cli, dashboard, exports, messages, proconnect, walk_ins
from .forms import ConfirmForm

PREFIX = "/organisateurs"
bp = Blueprint("organisers", __name__, url_prefix=PREFIX)
bp.add_url_rule("/", view_func=dashboard.dashboard, methods=["GET"])
for child in (auth.bp, proconnect.bp, actions.bp, exports.bp, checkin.bp, walk_ins.bp, messages.bp):
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
    proconnect.init_app(app)
    # The menu shows only what the account's role may use.
    app.jinja_env.globals.update(organiser_may=auth.may, confirm_form=ConfirmForm)
    # The privacy notice names ProConnect as the organisers' identity provider when it is set up.
    app.jinja_env.globals["proconnect_enabled"] = proconnect.enabled
    auth.decoy_hash()  # computed once per process, so no login pays for it
