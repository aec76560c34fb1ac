"""organiser sessions, deactivated accounts, login failures per account and address

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # A rebuild of the table (batch mode) must keep AUTOINCREMENT: ids are never reused (0002).
    with op.batch_alter_table('organisers', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))

    op.create_table('organiser_sessions',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('id_token', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['organiser_id'], ['organisers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key_hash')
    )
    with op.batch_alter_table('organiser_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organiser_sessions_organiser_id'), ['organiser_id'], unique=False)

    op.create_table('login_failures',
    sa.Column('account_key', sa.String(length=64), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('account_key', 'address_key')
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_address', ['address_key', 'last_failure_at'], unique=False)

    # Failures per client address are now counted over distinct accounts (login_failures).
    op.execute("DELETE FROM throttle_events WHERE scope = 'login-ip'")


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_address')

    op.drop_table('login_failures')
    with op.batch_alter_table('organiser_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organiser_sessions_organiser_id'))

    op.drop_table('organiser_sessions')
    with op.batch_alter_table('organisers', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('deactivated_at')
