"""Alembic migrations: init-db applies them, twice is fine, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from jnt.models import IN_PERSON_COUNTER, SeatCounter, db, init_db

BASELINE_TABLES = ("organisers", "registrations", "seat_counters", "audit_log", "throttle_events", "outbox")


def test_init_db_twice_keeps_data(app, runner):
    with app.app_context():
        db.session.get(SeatCounter, IN_PERSON_COUNTER).taken = 2
        db.session.commit()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(SeatCounter)).all()[0].taken == 2
        tables = set(inspect(db.engine).get_table_names())
    assert {"registrations", "seat_counters", "outbox", "throttle_events", "alembic_version"} <= tables


def test_migrated_schema_matches_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migration_is_at_head(app):
    with app.app_context(), db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == "0004"


def test_database_from_before_migrations_is_adopted(make_app):
    app = make_app()
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()
        # As the former init-db did, with the tables of that time (later ones come from their migrations).
        db.metadata.create_all(db.engine, tables=[db.metadata.tables[name] for name in BASELINE_TABLES])
        init_db()
        current = MigrationContext.configure(db.session.connection()).get_current_revision()
        assert current == "0004"
        assert db.session.get(SeatCounter, IN_PERSON_COUNTER).taken == 0
