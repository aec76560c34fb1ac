"""The private management link: see, switch or cancel one's registration, with no account.

The link carries a random token (256 bits); only its SHA-256 is stored. A wrong token gets
the same 404 as any unknown page. The token is in the path: these pages send only the site's
origin as referrer (never the path), are not indexed nor cached, and the token is kept out of
the logs we write.
"""

import logging

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import attestation, calendar, clock, errors, formatting, security, visio, waiting_list
from .database import write
from .forms import CancelForm, DetailsForm, HandoverForm, JoinForm, ModeForm
from .mail import messages
from .models import CONFIRMED, IN_PERSON, REMOTE, WAITING, Registration
from .tokens import RedactTokens, registration_of
from .typography import french

bp = Blueprint("manage", __name__, url_prefix="/inscription")
log = logging.getLogger(__name__)
TOKEN = "<string(minlength=32, maxlength=64):token>"  # noqa: S105 - a URL rule, not a secret
# The token must never leave in a Referer, yet Flask-WTF refuses an HTTPS form post without one
# (WTF_CSRF_SSL_STRICT: the Referer must name this site). "strict-origin" sends only the origin
# (https://host/), to this site and to others alike, never the path; "same-origin" would send the
# whole address, token included, with every request for a stylesheet or font (proxy and CDN logs
# record referrers), and turning the referrer check off would weaken every form of the site.
REFERRER_POLICY = "strict-origin"
JOIN_CLOSED = french(
    "Le bouton « Rejoindre la visioconférence » sert aux personnes inscrites à distance, de 30 minutes "
    "avant le début de la journée jusqu’à sa fin."
)


def closed_text() -> str:
    """Why nothing can be changed online any more (after the changes deadline)."""
    deadline = formatting.deadline_fr(current_app.extensions["jnt_event"].deadlines.changes)
    return french(
        "La date limite est passée : l’inscription ne peut plus être modifiée ni annulée en ligne "
        f"(c’était possible {deadline})."
    )


def in_person_closed_text() -> str:
    """Why a remote attendee can no longer switch to in person (after the in-person deadline)."""
    deadline = formatting.deadline_fr(current_app.extensions["jnt_event"].deadlines.in_person)
    return french(
        f"Le passage au présentiel était possible {deadline}, comme les inscriptions sur place : "
        "votre inscription reste à distance."
    )


DETAILS = ("first_name", "last_name", "organisation", "structure_type", "job_title", "accessibility_needs")


def registration_for(token: str) -> Registration:
    """The registration of this token, or the ordinary 404."""
    registration = registration_of(token)
    if registration is None:
        abort(404)
    return registration


def _page(template: str, registration: Registration, **context):
    return render_template(
        template,
        registration=registration,
        position=waiting_list.position(registration),
        is_open=clock.changes_open(),
        in_person_open=clock.in_person_open(),
        promotion_open=clock.promotion_open(),
        closed_text=closed_text(),
        in_person_closed_text=in_person_closed_text(),
        referrer_policy=REFERRER_POLICY,
        **context,
    )


def refused_when_closed(target: str | None = None):
    """After their deadline, changes are refused (checked inside the write transaction).

    Switching to remote and cancelling follow the changes deadline; switching to in person also
    the in-person deadline, as registering in person does.
    """
    if not clock.changes_open():
        return errors.render_error(403, "Modification impossible", closed_text())
    if target == IN_PERSON and not clock.in_person_open():
        return errors.render_error(403, "Présentiel clos", in_person_closed_text())
    return None


@bp.get(f"/gerer/{TOKEN}")
def show(token: str):
    """The registration as recorded, with what can still be changed."""
    registration = registration_for(token)
    target = IN_PERSON if registration.mode == REMOTE else REMOTE
    can_join = visio.can_join(registration)
    response = make_response(
        _page(
            "manage/show.html",
            registration,
            form=ModeForm(mode=target),
            handover_form=HandoverForm(),
            token=token,
            attestation=attestation.offer(registration),
            join_form=JoinForm() if can_join else None,
            join_soon=visio.opens_later(registration),
        )
    )
    if can_join:
        # The join form's POST is redirected to the video host: only this page allows it (form-action).
        targets = (*security.form_targets(current_app.config), visio.form_action_origin())
        response.headers["Content-Security-Policy"] = security.csp(targets)
    return response


@bp.post(f"/gerer/{TOKEN}/visioconference")
def join(token: str):
    """Record a remote attendee's first join (their presence), then go to the video conference."""
    if not JoinForm().validate():
        abort(400)
    with write():
        registration = registration_for(token)
        if not visio.can_join(registration):
            return errors.render_error(403, "Visioconférence non disponible", JOIN_CLOSED)
        visio.record_join(registration)
    return redirect(visio.url(), 303)


@bp.get(f"/gerer/{TOKEN}/{calendar.FILENAME}")
def calendar_file(token: str):
    """The attendee's calendar file: for a remote attendee, with the video link when there is one."""
    return calendar.download(remote=registration_for(token).mode == REMOTE)


@bp.get(f"/gerer/{TOKEN}/{attestation.FILENAME}")
def attestation_file(token: str):
    """The attestation de présence (PDF), from the end of the day, for people whose presence was recorded."""
    registration = registration_for(token)
    if (reason := attestation.refusal(registration)) is not None:
        return _page("manage/attestation_refused.html", registration, reason=reason, token=token), 403
    return attestation.download(registration)


@bp.post(f"/gerer/{TOKEN}/mode")
def switch(token: str):
    """Attend in person (a seat if one is free, else the waiting list) or remotely."""
    form = ModeForm()
    if not form.validate():
        abort(400)
    with write():
        registration = registration_for(token)
        if (refused := refused_when_closed(form.mode.data)) is not None:
            return refused
        if form.mode.data == registration.mode:  # already so (a form sent twice): nothing to change
            return redirect(url_for(".show", token=token), 303)
        if form.mode.data == REMOTE:
            freed = (
                "Votre place en présentiel"
                if registration.status == CONFIRMED
                else "Votre place sur la liste d’attente"
            )
            waiting_list.switch_to_remote(registration)
            message = ("success", f"Vous participerez à distance. {freed} a été libérée.")
        elif waiting_list.switch_to_in_person(registration) == WAITING:
            message = ("warning", "Aucune place libre en présentiel : vous êtes sur la liste d’attente.")
        else:
            message = ("success", "Vous participerez en présentiel : une place vous est attribuée.")
        messages.mode_changed(registration, waiting_list.position(registration))
    flash(french(message[1]), message[0])
    return redirect(url_for(".show", token=token), 303)


@bp.route(f"/gerer/{TOKEN}/modifier", methods=["GET", "POST"])
def edit(token: str):
    """Correct one's details (name, organisation, structure type, function, needs); the address and seat stay."""
    registration = registration_for(token)
    form = DetailsForm(obj=registration)
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return _page("manage/edit.html", registration, form=form, token=token), status
    with write():
        registration = registration_for(token)
        if (refused := refused_when_closed()) is not None:
            return refused
        for name in DETAILS:
            setattr(registration, name, form[name].data or "")
    flash(french("Vos informations sont enregistrées."), "success")
    return redirect(url_for(".show", token=token), 303)


@bp.get(f"/gerer/{TOKEN}/annuler")
def confirm_cancel(token: str):
    """Ask before cancelling: following this link changes nothing."""
    return _page("manage/cancel.html", registration_for(token), form=CancelForm(), token=token)


@bp.post(f"/gerer/{TOKEN}/annuler")
def cancel(token: str):
    """Delete the registration (its seat goes to the next person waiting)."""
    if not CancelForm().validate():
        abort(400)
    with write():
        registration = registration_for(token)
        if (refused := refused_when_closed()) is not None:
            return refused
        waiting_list.cancel(registration)
        messages.cancellation(registration, by_organiser=False)
    return redirect(url_for(".cancelled"), 303)


@bp.get("/annulee")
def cancelled():
    """Confirmation that the registration no longer exists."""
    return render_template("manage/cancelled.html")


@bp.after_request
def private(response):
    """The token must not leak: the origin only as referrer, no indexing, no caching."""
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(Exception)
def handle_error(exc: Exception):
    """The site's error pages, but an unexpected error is logged without the path (it holds the token)."""
    if isinstance(exc, CSRFError):
        return errors.handle_csrf(exc)
    if isinstance(exc, HTTPException):
        return errors.handle_http(exc)
    log.error("Erreur inattendue sur la page de gestion (%s %s)", request.method, request.endpoint, exc_info=exc)
    return errors.handle_http(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the blueprint and keep tokens out of the request log."""
    app.register_blueprint(bp)
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactTokens())
