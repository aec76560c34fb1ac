"""Walk the site: every GET URL of the URL map, and every query parameter the code reads."""

import re
from pathlib import Path

from werkzeug.routing import AnyConverter, IntegerConverter

JNT = Path(__file__).resolve().parent.parent / "jnt"
# request.args.get("page"), args.get("tri", ...), request.values.get("q")...
READS = re.compile(r"""\b(?:args|values)\.get(?:list)?\(\s*["'](\w+)["']""")


def sample(converter, name: str, samples: dict):
    """A value the converter accepts: a given sample, a number, one of the listed words, or any text."""
    if name in samples:
        return samples[name]
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x" * 43  # long enough for the management link's token


def get_urls(app, **samples) -> list[str]:
    """One URL per GET rule (and one per word of an `any(...)` argument), with sample arguments."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            if rule.endpoint == "static":
                urls.append(app.url_for("static", filename="css/jnt.css"))
                continue
            choices = [{}]
            for arg in rule.arguments:
                converter = rule._converters.get(arg)
                if isinstance(converter, AnyConverter) and arg not in samples:
                    choices = [{**c, arg: item} for c in choices for item in sorted(converter.items)]
            for choice in choices:
                values = {arg: sample(rule._converters.get(arg), arg, {**samples, **choice}) for arg in rule.arguments}
                urls.append(app.url_for(rule.endpoint, **values))
    return urls


def query_names() -> set[str]:
    """The query-string parameters the application reads, found in its source."""
    return {name for path in JNT.rglob("*.py") for name in READS.findall(path.read_text(encoding="utf-8"))}
