"""Alembic migrations: init-db applies them, twice is fine, they match the models, ids are never reused."""

import os
import shutil

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import Integer, inspect, select, text
from sqlalchemy.exc import IntegrityError

from jnt import create_app
from jnt.database import init_db
from jnt.extensions import MIGRATIONS
from jnt.models import (
    IN_PERSON_COUNTER,
    AuditEntry,
    Mode,
    Organiser,
    OutboxMessage,
    Registration,
    SeatCounter,
    Status,
    db,
)
from jnt.tokens import hash_token, registration_of

NEVER_REUSED = "0002"  # the revision from which ids are never reused
AT = "2023-01-02 09:00:00.000000"  # a timestamp as stored by the previous revision's code


def revision_before(revision: str) -> str:
    """The revision a database was at before this one (whatever the chain is when this runs)."""
    config = Config(os.path.join(MIGRATIONS, "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


@pytest.mark.both_databases
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


@pytest.mark.both_databases
def test_migrated_schema_matches_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def _shape(engine) -> dict:
    """What compare_metadata does not compare: CHECK constraints, partial indexes, foreign keys' ON DELETE."""
    inspector = inspect(engine)

    def sql(text_) -> str:
        return "".join(ch for ch in ("" if text_ is None else str(text_)).lower() if ch not in ' ()\n"')

    shape = {}
    for table in sorted(db.metadata.tables):
        # A unique index and a unique constraint are the same guarantee: compared by columns (and WHERE).
        indexes = {
            (tuple(i["column_names"]), bool(i["unique"]),
             sql(i.get("dialect_options", {}).get(f"{engine.dialect.name}_where")))
            for i in inspector.get_indexes(table)
        } | {(tuple(u["column_names"]), True, "") for u in inspector.get_unique_constraints(table)}  # fmt: skip
        shape[table] = {
            "checks": {c["name"]: sql(c["sqltext"]) for c in inspector.get_check_constraints(table)},
            "indexes": indexes,
            "foreign_keys": {
                (tuple(f["constrained_columns"]), f["referred_table"], (f.get("options") or {}).get("ondelete"))
                for f in inspector.get_foreign_keys(table)
            },
        }
    return shape


@pytest.mark.both_databases
def test_migrated_constraints_match_the_models(app, empty_database_uri):
    """A rebuild of a table by a later revision (SQLite's batch mode) keeps every check, partial index and ON DELETE."""
    fresh = sa.create_engine(empty_database_uri)
    try:
        db.metadata.create_all(fresh)
        expected = _shape(fresh)
    finally:
        fresh.dispose()
    with app.app_context():
        migrated = _shape(db.engine)
    for table, parts in expected.items():
        for part, value in parts.items():
            assert migrated[table][part] == value, (table, part)


@pytest.mark.both_databases
def test_migration_is_at_head(app):
    with app.app_context(), db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == "0010"


def integer_id_tables():
    return [t for t in db.metadata.sorted_tables if [type(c.type) for c in t.primary_key.columns] == [Integer]]


@pytest.mark.both_databases
def test_every_integer_id_table_never_reuses_ids(app):
    tables = integer_id_tables()
    assert {t.name for t in tables} >= {"registrations", "organisers", "audit_log", "outbox", "throttle_events"}
    with app.app_context(), db.engine.connect() as connection:
        for table in tables:
            assert table.kwargs.get("sqlite_autoincrement") is True, table.name
            if connection.dialect.name == "sqlite":
                sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": table.name})
                assert "AUTOINCREMENT" in sql.scalar(), table.name
            else:  # identities come from a sequence, which never goes back
                sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
                assert sequence.scalar() is not None, table.name


def insert(name: str, **values) -> int:
    """A row inserted as the code of the previous revision did (the database chooses the id)."""
    table = sa.table(name, sa.column("id"), *(sa.column(k) for k in values))
    return db.session.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar()


def person(n: int) -> dict:
    return dict(
        first_name="P", last_name=f"N{n}", email=f"p{n}@example.org", organisation="O", structure_type="autre",
        job_title="J", mode="remote", status="confirmed", accessibility_needs="", created_at=AT,
        updated_at=AT,
    )  # fmt: skip


@pytest.mark.both_databases
def test_upgrade_of_a_database_whose_highest_ids_were_deleted_never_gives_them_again(empty_database_uri):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": empty_database_uri})
    with app.app_context():
        # A database in service at the previous revision (init-db made its seat counter).
        upgrade(directory=MIGRATIONS, revision=revision_before(NEVER_REUSED))
        db.session.add(SeatCounter(name=IN_PERSON_COUNTER, taken=0))
        organisers = [
            insert("organisers", email=f"o{n}@example.org", password_hash="x", created_at=AT) for n in range(3)
        ]
        people = [insert("registrations", **person(n)) for n in range(6)]
        for n in (0, 1):
            insert("outbox", dedupe_key=f"confirmation:{people[n]}", registration_id=people[n], recipient="r@example.org",
                   subject="s", body_text="t", body_html="h", created_at=AT, attempts=0,
                   next_attempt_at=AT, last_error="")  # fmt: skip
        # Organiser 1 cancelled the 5th registration (the audit log keeps its id); the 4th and 6th
        # were cancelled by their owners and the last organiser was removed: no trace of them is left.
        insert(
            "audit_log",
            at=AT,
            organiser_id=organisers[1],
            action="annuler",
            registration_id=people[4],
            detail="",
        )
        db.session.execute(
            text("DELETE FROM registrations WHERE id IN (:a, :b, :c)"), dict(a=people[3], b=people[4], c=people[5])
        )
        db.session.execute(text("DELETE FROM organisers WHERE id = :id"), {"id": organisers[2]})
        db.session.commit()
        init_db()  # the upgrade, as in production

        db.session.add(Registration(**{k: v for k, v in person(9).items() if not k.endswith("_at")}))
        db.session.add(Organiser(email="nouveau@example.org", password_hash="x"))
        db.session.commit()
        new_person = db.session.scalar(select(Registration.id).filter_by(email="p9@example.org"))
        new_organiser = db.session.scalar(select(Organiser.id).filter_by(email="nouveau@example.org"))
        assert new_person > max(people) and new_organiser > max(organisers)
        # What the rebuilt tables held is all there: e-mails of the people left, who did what.
        assert db.session.scalars(select(OutboxMessage.registration_id).order_by(OutboxMessage.id)).all() == people[:2]
        [entry] = db.session.scalars(select(AuditEntry)).all()
        assert (entry.organiser_id, entry.registration_id) == (organisers[1], people[4])
        assert db.session.scalar(text("SELECT count(*) FROM registrations")) == 4


@pytest.mark.both_databases
def test_fresh_database_ids_start_at_one(app):
    with app.app_context():
        db.session.add(Organiser(email="premier@example.org", password_hash="x"))
        db.session.commit()
        assert db.session.scalar(select(Organiser.id)) == 1


LATER_REBUILD = """
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = {head!r}


def upgrade():
    with op.batch_alter_table("registrations", recreate="always", table_kwargs={kwargs!r}) as batch_op:
        batch_op.add_column(sa.Column("extra", sa.Integer(), nullable=True))


def downgrade():
    pass
"""


def later_revision(tmp_path, kwargs: dict) -> str:
    """A copy of the migrations with one more revision that rebuilds the registrations table."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    head = revision_head()
    (directory / "versions" / "9999_later_rebuild.py").write_text(LATER_REBUILD.format(head=head, kwargs=kwargs))
    return str(directory)


def revision_head() -> str:
    config = Config(os.path.join(MIGRATIONS, "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(config).get_current_head()


def register_people(*numbers: int) -> list[int]:
    people = [Registration(**{k: v for k, v in person(n).items() if not k.endswith("_at")}) for n in numbers]
    db.session.add_all(people)
    db.session.commit()
    return [p.id for p in people]


def test_a_later_rebuild_of_a_table_keeps_its_id_counter(app, tmp_path):
    with app.app_context():
        people = register_people(0, 1, 2)
        db.session.execute(text("DELETE FROM registrations WHERE id = :id"), {"id": people[-1]})
        db.session.commit()
        upgrade(directory=later_revision(tmp_path, {"sqlite_autoincrement": True}))
        assert register_people(3)[0] > max(people)


def test_a_later_rebuild_that_drops_autoincrement_is_refused(app, tmp_path):
    with app.app_context():
        with pytest.raises(SystemExit):  # flask-migrate reports the error and exits 1
            upgrade(directory=later_revision(tmp_path, {}))
        current = MigrationContext.configure(db.session.connection()).get_current_revision()
        sql = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'registrations'"))
        assert current == revision_head() and "AUTOINCREMENT" in sql


WALK_INS = "0006"  # the revision where a walk-in may have no e-mail


@pytest.mark.both_databases
def test_walk_in_revision_keeps_registrations_and_goes_back(empty_database_uri):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": empty_database_uri})
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=revision_before(WALK_INS))
        people = [insert("registrations", **person(n)) for n in range(3)]
        db.session.execute(text("DELETE FROM registrations WHERE id = :id"), {"id": people[-1]})
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision=WALK_INS)
        # Raw SQL, as the code of that revision would read and write (the models are at head).
        kept = db.session.execute(text("SELECT email, walk_in, over_capacity FROM registrations ORDER BY id")).all()
        assert [(e, bool(w), bool(o)) for e, w, o in kept] == [
            ("p0@example.org", False, False),
            ("p1@example.org", False, False),
        ]
        walk_in_id = insert(
            "registrations", first_name="W", last_name="I", organisation="O", structure_type="", job_title="",
            mode="in_person", status="confirmed", walk_in=True, accessibility_needs="", created_at=AT, updated_at=AT,
        )  # fmt: skip
        db.session.commit()
        assert walk_in_id > max(people)  # the rebuilt table kept its id counter
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision=revision_before(WALK_INS))
        emails = db.session.scalars(text("SELECT email FROM registrations ORDER BY id")).all()
        assert emails == ["p0@example.org", "p1@example.org"]


JOURNEY = "0005"  # cancellation as a status, management tokens in their own table


@pytest.mark.both_databases
def test_upgrade_keeps_each_registrations_link_and_lets_a_cancelled_address_register_again(empty_database_uri):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": empty_database_uri})
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=revision_before(JOURNEY))
        db.session.add(SeatCounter(name=IN_PERSON_COUNTER, taken=0))
        linked = insert("registrations", **person(0), manage_token_hash=hash_token("lien-deja-envoye"))
        insert("registrations", **person(1))
        insert("outbox", dedupe_key="confirmation:x", registration_id=linked, recipient="p0@example.org",
               subject="s", body_text="t", body_html="h", created_at=AT, attempts=0,
               next_attempt_at=AT, last_error="")  # fmt: skip
        db.session.commit()
        init_db()

        # The link sent before the upgrade still opens its registration.
        assert registration_of("lien-deja-envoye").id == linked
        first = db.session.get(Registration, linked)
        assert (first.status, first.mode) == (Status.CONFIRMED, Mode.REMOTE)
        # A cancelled address may register again; two live registrations of one address may not.
        first.status, first.cancelled_at = Status.CANCELLED, first.updated_at
        db.session.commit()
        assert registration_of("lien-deja-envoye") is None
        register_people(0)
        with pytest.raises(IntegrityError):
            register_people(0)
        db.session.rollback()
        # A registration deleted (purge) no longer takes its e-mails with it by cascade.
        db.session.execute(text("DELETE FROM registrations WHERE id = :id"), {"id": linked})
        db.session.commit()
        assert db.session.scalars(select(OutboxMessage.registration_id)).all() == [None]
