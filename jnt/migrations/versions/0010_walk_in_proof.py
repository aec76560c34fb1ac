"""a walk-in's address, once they prove it themselves, may receive e-mails

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch rebuild): the table keeps its AUTOINCREMENT (0002) untouched.
    op.add_column("registrations", sa.Column("address_proven_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("registrations", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("address_proven_at")
