"""Helpers shared by the tests: the preview clock's dates, the contact address, forms to post.

Imported by test modules as an ordinary module; conftest.py holds only fixtures and hooks.
"""

import re

# Registration is open on this date (the in-person deadline is 6 January 2023, Paris time).
OPEN_NOW = "2023-01-02T10:00:00+01:00"
# The in-person deadline (« avant le 6 janvier 2023 »): from then on, remote registration only.
IN_PERSON_CLOSED_NOW = "2023-01-06T00:00:00+01:00"
# The evening before (18:00): from then on, a freed seat stays free for the organisers to give.
PROMOTION_CLOSED_NOW = "2023-01-17T18:00:00+01:00"
# The start of the day: no registration, no change online any more.
CLOSED_NOW = "2023-01-18T09:00:00+01:00"
CONTACT_EMAIL = "equipe-jnt@example.net"


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def form_fields(html: str) -> dict:
    """The hidden fields (CSRF token, submission id) of the registration form."""
    return dict(re.findall(r'<input id="(csrf_token|submission_id)" name="\1" type="hidden" value="([^"]*)"', html))


def valid_registration(**overrides) -> dict:
    """A complete, valid registration form body."""
    data = {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@example.org",
        "organisation": "Commune de Lyon",
        "structure_type": "collectivite",
        "job_title": "Cheffe de projet numérique",
        "mode": "in_person",
        "accessibility_needs": "",
        "consent": "y",
    }
    data.update(overrides)
    return data
