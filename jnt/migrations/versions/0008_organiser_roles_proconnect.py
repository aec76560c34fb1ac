"""organiser roles, ProConnect accounts (no password, bound to the provider's sub)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # A rebuild of the table (batch mode) must keep AUTOINCREMENT: ids are never reused (0002).
    with op.batch_alter_table("organisers", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), nullable=True)
        # Existing accounts keep doing everything.
        batch_op.add_column(sa.Column("role", sa.String(length=20), server_default="organisation", nullable=False))
        batch_op.add_column(sa.Column("proconnect", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("oidc_sub", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint("uq_organisers_oidc_sub", ["oidc_sub"])
        batch_op.create_check_constraint("role_known", "role IN ('organisation', 'accueil')")


def downgrade():
    with op.batch_alter_table("organisers", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_constraint("role_known", type_="check")
        batch_op.drop_constraint("uq_organisers_oidc_sub", type_="unique")
        batch_op.drop_column("oidc_sub")
        batch_op.drop_column("proconnect")
        batch_op.drop_column("role")
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), nullable=False)
