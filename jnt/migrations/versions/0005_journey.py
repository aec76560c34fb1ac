"""cancellation as a status, management tokens in their own table, unproven registrations and handovers apart

A cancellation used to delete the row (and its queued e-mails with it): it becomes the status
'cancelled' with cancelled_at, and the address is unique among rows not cancelled only (a
partial unique index, on SQLite and PostgreSQL alike). The one token column of a registration
becomes a table of hashes: the existing hash of each registration is moved there, so every link
already sent keeps working. Outbox rows no longer cascade away with their registration.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Names of the constraints 0001 left unnamed, as PostgreSQL named them; SQLite's copy gets them here.
NAMES = {
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
}
ACTIVE = sa.text("status <> 'cancelled'")


def _batch(table: str, sqlite: bool):
    """SQLite rebuilds the table (AUTOINCREMENT kept, see 0002); PostgreSQL alters it in place."""
    if sqlite:
        return op.batch_alter_table(
            table, recreate="always", naming_convention=NAMES, table_kwargs={"sqlite_autoincrement": True}
        )
    return op.batch_alter_table(table)


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        "manage_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_manage_tokens_registration_id", "manage_tokens", ["registration_id"])
    # The link each registration was last sent stays valid.
    op.execute(
        "INSERT INTO manage_tokens (token_hash, registration_id, created_at) "
        "SELECT manage_token_hash, id, updated_at FROM registrations WHERE manage_token_hash IS NOT NULL"
    )
    with _batch("registrations", sqlite) as batch_op:
        batch_op.drop_constraint("registrations_email_key", type_="unique")
        batch_op.drop_constraint("registrations_manage_token_hash_key", type_="unique")
        batch_op.drop_column("manage_token_hash")
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint("status_known", type_="check")
        batch_op.drop_constraint("remote_never_waits", type_="check")
        batch_op.create_check_constraint("status_known", "status IN ('confirmed', 'waiting', 'cancelled')")
        batch_op.create_check_constraint("remote_never_waits", "mode = 'in_person' OR status <> 'waiting'")
        batch_op.create_check_constraint("cancelled_when", "(status = 'cancelled') = (cancelled_at IS NOT NULL)")
    op.create_index(
        "uq_registrations_active_email",
        "registrations",
        ["email"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    with _batch("outbox", sqlite) as batch_op:
        batch_op.drop_constraint("outbox_registration_id_fkey", type_="foreignkey")
        batch_op.create_foreign_key(
            "outbox_registration_id_fkey", "registrations", ["registration_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "pending_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("structure_type", sa.String(length=40), nullable=False),
        sa.Column("job_title", sa.String(length=150), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("accessibility_needs", sa.Text(), nullable=False),
        sa.Column("proof_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("mode IN ('in_person', 'remote')", name="pending_mode_known"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proof_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pending_registrations_email", "pending_registrations", ["email"])
    op.create_index("ix_pending_registrations_expires_at", "pending_registrations", ["expires_at"])
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("proof_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proof_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_handovers_registration_id", "handovers", ["registration_id"])


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.drop_table("handovers")
    op.drop_table("pending_registrations")
    with _batch("outbox", sqlite) as batch_op:
        batch_op.drop_constraint("outbox_registration_id_fkey", type_="foreignkey")
        batch_op.create_foreign_key(
            "outbox_registration_id_fkey", "registrations", ["registration_id"], ["id"], ondelete="CASCADE"
        )
    op.drop_index("uq_registrations_active_email", table_name="registrations")
    # Before this revision a cancellation deleted the row: cancelled rows go (their e-mails with them).
    op.execute("DELETE FROM outbox WHERE registration_id IN (SELECT id FROM registrations WHERE status = 'cancelled')")
    op.execute("DELETE FROM registrations WHERE status = 'cancelled'")
    with _batch("registrations", sqlite) as batch_op:
        batch_op.drop_constraint("cancelled_when", type_="check")
        batch_op.drop_constraint("remote_never_waits", type_="check")
        batch_op.drop_constraint("status_known", type_="check")
        batch_op.create_check_constraint("status_known", "status IN ('confirmed', 'waiting')")
        batch_op.create_check_constraint("remote_never_waits", "mode = 'in_person' OR status = 'confirmed'")
        batch_op.drop_column("cancelled_at")
        batch_op.add_column(sa.Column("manage_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("registrations_manage_token_hash_key", ["manage_token_hash"])
        batch_op.create_unique_constraint("registrations_email_key", ["email"])
    # One link per registration again: the newest one is kept.
    op.execute(
        "UPDATE registrations SET manage_token_hash = (SELECT token_hash FROM manage_tokens t "
        "WHERE t.registration_id = registrations.id ORDER BY t.created_at DESC, t.token_hash LIMIT 1)"
    )
    op.drop_table("manage_tokens")
