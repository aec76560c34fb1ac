"""organisers' messages to registrants, queued per recipient in the outbox

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organiser_id"], ["organisers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_key"),
        sqlite_autoincrement=True,  # like every table with an integer id (0002)
    )
    # batch: SQLite adds a foreign key only by rebuilding the table, which must keep AUTOINCREMENT (0002).
    with op.batch_alter_table("outbox", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_broadcast_id_broadcasts", "broadcasts", ["broadcast_id"], ["id"],
                                 ondelete="CASCADE")  # fmt: skip
        batch.create_index("ix_outbox_broadcast_id", ["broadcast_id"])


def downgrade():
    with op.batch_alter_table("outbox", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_index("ix_outbox_broadcast_id")
        batch.drop_constraint("fk_outbox_broadcast_id_broadcasts", type_="foreignkey")
        batch.drop_column("broadcast_id")
    op.drop_table("broadcasts")
