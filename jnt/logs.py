"""Log lines nobody can forge: control characters escaped, one record per line.

A URL, a header or an exception message may carry CR, LF or terminal escapes; written
as they are, they would start a line that looks like another record. The filter below
escapes them in the message, and keeps a traceback on indented lines of its own.
Used by the app's handler (here) and by gunicorn's access and error logs (gunicorn.conf.py).
"""

import logging
import re

from flask import Flask

# C0 controls (CR, LF, tab, ESC...), DEL, C1 controls, and Unicode's line and paragraph separators.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _escaped(match: re.Match) -> str:
    char = match.group()
    return NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape(text: str) -> str:
    """The text on one line: every control character written as a visible escape."""
    return CONTROL.sub(_escaped, text)


def indented(text: str) -> str:
    """A traceback: each of its lines escaped and indented, so none reads as a record of its own."""
    return "\n".join("    " + escape(line) for line in text.splitlines())


class EscapeControl(logging.Filter):
    """Rewrite a record once, before any handler formats it (the record is shared by the handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "jnt_escaped", False):
            return True
        record.msg, record.args = escape(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = indented(record.exc_text)
        if record.stack_info:
            record.stack_info = indented(record.stack_info)
        record.jnt_escaped = True
        return True


def protect(handler: logging.Handler) -> None:
    """Add the escaping filter to a handler, once."""
    if not any(isinstance(f, EscapeControl) for f in handler.filters):
        handler.addFilter(EscapeControl())


def init_app(app: Flask) -> None:
    """The app's log (the `jnt` logger and its children) at LOG_LEVEL, its handlers escaping.

    Flask gives the logger its stderr handler when nothing else would write the records
    (under gunicorn, whose own loggers do not propagate, nothing does).
    """
    logger = app.logger
    logger.setLevel(app.config["LOG_LEVEL"])
    for handler in logger.handlers:
        protect(handler)
