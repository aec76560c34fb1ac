"""The commented DEFAULTS of jnt/config.py are the one description of the settings: none goes unexplained."""

import inspect
import re

from jnt import config

KEY = re.compile(r'^\s+"([A-Z][A-Z0-9_]*)":')


def undocumented(source: str) -> list[str]:
    """Settings of the DEFAULTS literal that no comment explains.

    A setting is explained by a comment on its own line, or by the comment block right above it; a
    block shared by several settings must name every one after the first, so none rides along unsaid.
    """
    body = source.split("DEFAULTS = {", 1)[1].split("\n}", 1)[0]
    missing, comment, first = [], "", False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment = comment + stripped if first is None else stripped
            first = None  # the next setting is the first of the block's group
        elif match := KEY.match(line):
            name = match.group(1)
            inline = "#" in line.split(":", 1)[1]
            if not (inline or (comment and (first is None or name in comment))):
                missing.append(name)
            first = name
        else:
            comment, first = "", False  # anything else (a blank line) ends the group
    return missing


def test_every_default_setting_is_explained_by_a_comment():
    assert undocumented(inspect.getsource(config)) == []


def test_a_setting_without_its_comment_is_caught():
    source = """DEFAULTS = {
    # What A means; B too.
    "A": 1,
    "B": 2,
    "C": 3,  # inline
    "D": 4,

    "E": 5,
}
"""
    assert undocumented(source) == ["D", "E"]
