"""walk-ins at check-in (no e-mail needed) and check-ins beyond the seats, counted apart

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # A rebuild of the table (batch mode) must keep AUTOINCREMENT: ids are never reused (0002).
    with op.batch_alter_table("registrations", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("walk_in", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("over_capacity", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
        batch_op.create_check_constraint("email_unless_walk_in", "email IS NOT NULL OR walk_in")


def downgrade():
    # Walk-ins without an address cannot go back to a table where the address is required.
    op.execute("DELETE FROM registrations WHERE email IS NULL")
    with op.batch_alter_table("registrations", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_constraint("email_unless_walk_in", type_="check")
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_column("over_capacity")
        batch_op.drop_column("walk_in")
