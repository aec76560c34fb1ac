"""The organisers' area (/organisateurs/): dashboard here, the rest in child blueprints."""

from flask import Blueprint, Flask, make_response, render_template, request

from . import actions, auth, checkin, cli, exports
from .auth import login_required
from .dashboard import MODE_LABELS, SORTS, STATUS_LABELS, Criteria, counts, registrations

PREFIX = "/organisateurs"
bp = Blueprint("organisers", __name__, url_prefix=PREFIX)
bp.register_blueprint(auth.bp)
bp.register_blueprint(actions.bp)
bp.register_blueprint(exports.bp)
bp.register_blueprint(checkin.bp)


@bp.after_app_request
def private_headers(response):
    """Organiser responses (pages, fragments, exports, errors) are never stored nor indexed."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def respond(template: str, fragment: str, **context):
    """The whole page, or only the fragment htmx swaps in place (never on a history restore)."""
    partial = request.htmx and not request.htmx.history_restore_request
    response = make_response(render_template(fragment if partial else template, **context))
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    return response


@bp.get("/")
@login_required
def dashboard():
    """Counts at a glance and the searchable list of registrations."""
    criteria = Criteria.from_args(request.args)
    return respond(
        "organisers/dashboard.html",
        "organisers/_registrations.html",
        counts=counts(),
        criteria=criteria,
        page=registrations(criteria),
        modes=MODE_LABELS,
        statuses=STATUS_LABELS,
        sorts={key: label for key, (label, _key, _reverse) in SORTS.items()},
    )


def init_app(app: Flask) -> None:
    """Register the organisers' area and its command line."""
    app.register_blueprint(bp)
    app.cli.add_command(cli.organiser)
    auth.decoy_hash()  # computed once per process, so no login pays for it
