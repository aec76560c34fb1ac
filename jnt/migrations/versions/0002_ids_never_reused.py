"""ids never reused; a browser key and a version per registration

SQLite without AUTOINCREMENT gave the id of a deleted last row to the next row: a browser, an
organiser's open page or an audit row that kept the id then pointed at someone else. Every
table with an integer id is rebuilt with AUTOINCREMENT (PostgreSQL's sequences never go back).

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Where else an id of each table may be written down (a row deleted before this revision
# left no trace but these): the next id comes after all of them.
REFERENCES = {
    'registrations': [('audit_log', 'registration_id'), ('outbox', 'registration_id')],
    'organisers': [('audit_log', 'organiser_id')],
    'audit_log': [],
    'outbox': [],
    'throttle_events': [],
}
# Ids deleted above every trace (the latest registrations, cancelled by their owners; the
# latest organiser, removed) cannot be known. In a database already in service, the next id
# skips this many past the highest one known: more registrations than an edition ever gets (a
# few hundred seats, a few thousand people at most), so every id handed out before is below it.
ID_MARGIN = 10_000


def _rebuild(table, autoincrement):
    """The SQLite table copied into a new one with (or without) AUTOINCREMENT."""
    return op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement})


def _seed_sequences(bind):
    """Start each AUTOINCREMENT counter after every id known, plus the margin when in service."""
    tables = ['seat_counters', *REFERENCES]
    in_service = any(bind.scalar(sa.text(f'SELECT count(*) FROM {t}')) for t in tables)
    for table, references in REFERENCES.items():
        known = [f'SELECT max(id) FROM {table}'] + [f'SELECT max({c}) FROM {t}' for t, c in references]
        highest = max(bind.scalar(sa.text(query)) or 0 for query in known)
        bind.execute(sa.text('DELETE FROM sqlite_sequence WHERE name = :t'), {'t': table})
        bind.execute(
            sa.text('INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :seq)'),
            {'t': table, 'seq': highest + (ID_MARGIN if in_service else 0)},
        )


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    # Form ids were kept in plain; they are replaced by the browser key (hashed), not converted.
    with (_rebuild('registrations', True) if sqlite else op.batch_alter_table('registrations')) as batch_op:
        batch_op.drop_column('submission_id')
        batch_op.add_column(sa.Column('browser_key_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_unique_constraint('registrations_browser_key_hash_key', ['browser_key_hash'])
    if sqlite:
        for table in REFERENCES:
            if table != 'registrations':
                with _rebuild(table, True):
                    pass
        _seed_sequences(bind)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    with (_rebuild('registrations', False) if sqlite else op.batch_alter_table('registrations')) as batch_op:
        batch_op.drop_constraint('registrations_browser_key_hash_key', type_='unique')
        batch_op.drop_column('version')
        batch_op.drop_column('browser_key_hash')
        batch_op.add_column(sa.Column('submission_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('registrations_submission_id_key', ['submission_id'])
    if sqlite:
        for table in REFERENCES:
            if table != 'registrations':
                with _rebuild(table, False):
                    pass
        bind.execute(sa.text('DELETE FROM sqlite_sequence'))
