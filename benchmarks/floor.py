"""The benchmark's reference: a bare Flask app with one constant route, served like the site.

`make bench` runs it under the same gunicorn settings as the site (gunicorn.conf.py), in the
same run, so that the event page is compared with what the framework itself costs, not with
a route inside our app (which pays every hook of the app).
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok():
    """The cheapest response Flask can give."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
