"""The Flask extensions, created bare here and bound to the app by create_app (init_app)."""

import os

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


class Base(DeclarativeBase):
    """The models' base class: typed Mapped columns (models.py)."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=MIGRATIONS)
csrf = CSRFProtect()
htmx = Htmx()


def init_app(app: Flask) -> None:
    """Bind every extension to the app."""
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)  # `flask --app jnt db ...` (batch: SQLite's ALTER TABLE)
    csrf.init_app(app)
    htmx.init_app(app)
