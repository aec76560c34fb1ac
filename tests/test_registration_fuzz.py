"""Hypothesis over every field: never a 500, nothing half-stored, stored values are what was typed."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from support import form_fields, valid_registration

from jnt import waiting_list
from jnt.database import write
from jnt.models import IN_PERSON_COUNTER, Registration, SeatCounter, db


@pytest.fixture
def app(make_app):
    """Hundreds of posts from one address: the per-address rate limit is not under test here."""
    return make_app(REGISTRATION_RATE_LIMIT=1_000_000)


text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
maybe = lambda strategy: st.one_of(st.just(None), strategy)  # noqa: E731 - None = field left valid

FIELDS = {
    "first_name": maybe(text),
    "last_name": maybe(text),
    "email": maybe(st.one_of(text, st.emails())),
    "organisation": maybe(text),
    "structure_type": maybe(st.one_of(text, st.sampled_from(["collectivite", "sgar", "autre"]))),
    "job_title": maybe(text),
    "mode": maybe(st.one_of(text, st.sampled_from(["in_person", "remote"]))),
    "accessibility_needs": maybe(st.text(max_size=1200)),
    "consent": maybe(st.sampled_from(["", "y", "n", "on"])),
}


@pytest.mark.both_databases
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries(FIELDS))
def test_any_input_is_answered_cleanly(app, client, values):
    page = client.get("/inscription").get_data(as_text=True)
    overrides = {k: v for k, v in values.items() if v is not None}
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Registration))
    response = client.post("/inscription", data={**form_fields(page), **valid_registration(**overrides)})
    assert response.status_code in (303, 409, 422, 413), response.status_code
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Registration))
        taken = db.session.get(SeatCounter, IN_PERSON_COUNTER).taken
        confirmed = db.session.scalar(
            select(func.count()).where(Registration.mode == "in_person", Registration.status == "confirmed")
        )
        assert taken == confirmed  # the counter never drifts from the rows
        if response.status_code != 303:
            assert count == before
            return
        assert count == before + 1
        row = db.session.scalar(select(Registration).order_by(Registration.id.desc()).limit(1))
        sent = valid_registration(**overrides)
        assert row.first_name == sent["first_name"].strip()
        assert row.organisation == sent["organisation"].strip()
        row_id = row.id
    # Cancel it (freeing its seat) so the next example may reuse the address.
    with app.test_request_context(), write():
        waiting_list.cancel(db.session.get(Registration, row_id))
