import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Alembic's logging settings, without silencing the app's loggers (init-db runs inside the app).
if not logging.getLogger().handlers:  # leave a host's logging (tests, a configured app) alone
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    # Flask-SQLAlchemy 3: the engine attribute (get_engine() is deprecated).
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def _id_counters(connection):
    """SQLite's AUTOINCREMENT high-water marks (sqlite_sequence), by table."""
    if not connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").first():
        return {}
    return dict(connection.exec_driver_sql('SELECT name, seq FROM sqlite_sequence').all())


def keep_id_counters(connection):
    """After each SQLite migration step, no id counter is lower than before it, nor gone.

    A batch migration rebuilds the table: the new one's counter restarts at the highest id
    still there (a deleted higher id would be given again), and AUTOINCREMENT itself is lost
    unless batch_alter_table gets table_kwargs={'sqlite_autoincrement': True}.
    """
    marks = _id_counters(connection)
    connection.rollback()  # end the read: Alembic must start each step's transaction itself

    def after_step(ctx, step, heads, run_args):
        for name, seq in marks.items():
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).scalar()
            if sql is None or 'AUTOINCREMENT' not in sql.upper():
                if sql is not None and step.is_upgrade:
                    raise RuntimeError(
                        f'La migration {step.up_revision_id} retire AUTOINCREMENT de la table {name} : '
                        "passez table_kwargs={'sqlite_autoincrement': True} à batch_alter_table."
                    )
                continue
            kept = connection.exec_driver_sql(
                'UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?', (seq, name)
            ).rowcount
            if not kept:
                connection.exec_driver_sql('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', (name, seq))
        marks.clear()
        marks.update(_id_counters(connection))

    return after_step


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == 'sqlite'
        if sqlite:
            # Batch migrations rebuild a SQLite table (copy, DROP, rename): with foreign keys on,
            # the DROP would delete or empty the rows of other tables that refer to it. The pragma
            # only works outside a transaction, so it is set on the driver's connection first.
            connection.connection.driver_connection.execute('PRAGMA foreign_keys = OFF')
        try:
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                on_version_apply=keep_id_counters(connection) if sqlite else None,
                **conf_args
            )

            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.connection.driver_connection.execute('PRAGMA foreign_key_check').fetchall()
                if broken:
                    raise RuntimeError(f'Migration : références cassées dans les tables {sorted({r[0] for r in broken})}')
        finally:
            if sqlite:
                # Never hand a connection without foreign keys back to the pool.
                connection.invalidate()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
