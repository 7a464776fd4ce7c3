"""deploy/kabinet.env.example lists every environment variable settings.py reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_variables() -> set[str]:
    settings = (ROOT / "kabinet" / "settings.py").read_text()
    names = set(re.findall(r'\benv(?:_bool|_int|_list)?\(\s*"([A-Z][A-Z0-9_]*)"', settings))
    names |= set(re.findall(r'os\.environ(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]*)"', settings))
    return names


def test_the_environment_template_lists_every_variable():
    names = settings_variables()
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "KABINET_VAR_DIR"} <= names  # the patterns still find them
    template = (ROOT / "deploy" / "kabinet.env.example").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", template, re.MULTILINE))
    assert sorted(names - listed) == [], "add to deploy/kabinet.env.example"


def test_the_template_holds_no_secret():
    template = (ROOT / "deploy" / "kabinet.env.example").read_text()
    assert re.search(r"^SECRET_KEY=$", template, re.MULTILINE)
    assert not re.search(r"^(\w*PASSWORD|\w*SECRET\w*|\w*TOKEN)=\S", template, re.MULTILINE)
