"""The README's configuration table names every environment variable settings.py reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_documents_every_environment_variable():
    settings = (ROOT / "kabinet" / "settings.py").read_text()
    names = set(re.findall(r'\benv(?:_bool|_int|_list)?\(\s*"([A-Z][A-Z0-9_]*)"', settings))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]*)"', settings))
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG"} <= names  # the patterns still find them
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert not missing, f"add to the README's configuration table: {missing}"
