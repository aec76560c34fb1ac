"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from jnt import create_app

app = create_app()
# gunicorn.conf.py preloads this module in the master: what is done here is inherited by every worker
# forked from it, so a worker started by recycling does not pay for it again. The templates are
# compiled (the event page's would cost a new worker hundreds of requests' worth), and the objects
# made so far are frozen out of the garbage collector's passes, which would otherwise write to, and
# so copy, every memory page the worker shares with the master.
for name in app.jinja_env.list_templates():
    app.jinja_env.get_template(name)
gc.freeze()
