"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from jnt import create_app

app = create_app()
