"""first join of the video conference, for remote attendees

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch rebuild): the table keeps its AUTOINCREMENT (0002) untouched.
    op.add_column("registrations", sa.Column("joined_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("registrations", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("joined_at")
