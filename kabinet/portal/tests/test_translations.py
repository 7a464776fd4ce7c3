"""The translations are complete, compiled and in step with the code.

Ships its own small .po reader so the project needs no gettext library: it handles
multi-line strings, msgctxt, msgid_plural/msgstr[n], flags and obsolete (#~) entries.
"""

import ast
import gettext as stdlib_gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
TRANSLATED = ["ru", "lv"]
ALL = ["ru", "lv", "en"]
PLURAL_FORMS = {
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
    "en": "nplurals=2; plural=(n != 1);",
}


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def label(self) -> str:
        ctxt = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {ctxt}{self.msgid!r}"


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def unquote(token: str, where: str) -> str:
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"{where}: not a quoted string: {token}")
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body) or body[i + 1] not in ESCAPES:
                raise ValueError(f"{where}: bad escape in {token}")
            out.append(ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_entries(path: Path) -> list[Entry]:
    """Every live (not obsolete) entry of a .po file, the header (msgid "") included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # the field a continuation line extends
    pending_flags: set[str] = set()
    pending_obsolete = False

    def finish() -> None:
        nonlocal current, target
        if current is not None and current.msgid is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path}:{number}"
        line = raw.strip()
        if line.startswith("#~"):
            pending_obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        elif not line:
            finish()
            pending_flags, pending_obsolete = set(), False
            continue
        elif line.startswith("#,"):
            if current is not None and current.msgid is not None:
                finish()
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        elif line.startswith("#"):
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, index, token = match.group(1), match.group(2), match.group(3)
            starts_entry = keyword == "msgctxt" or (
                keyword == "msgid" and (current is None or current.msgid is not None)
            )
            if starts_entry:
                finish()
                current = Entry(line=number, flags=pending_flags, obsolete=pending_obsolete)
                pending_flags, pending_obsolete = set(), False
            if current is None:
                raise ValueError(f"{where}: {keyword} outside an entry")
            value = unquote(token, where)
            if keyword.startswith("msgstr"):
                key = int(index) if index is not None else 0
                current.msgstr[key] = value
                target = ("msgstr", key)
            else:
                setattr(current, keyword, value)
                target = (keyword, None)
        elif line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{where}: string continuation outside an entry")
            value = unquote(line, where)
            name, key = target
            if name == "msgstr":
                current.msgstr[key] += value
            else:
                setattr(current, name, getattr(current, name) + value)
        else:
            raise ValueError(f"{where}: cannot parse {raw!r}")
    finish()
    return [e for e in entries if not e.obsolete]


def parse_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header (as a dict) and the entries of a .po file."""
    live = parse_entries(path)
    headers = [e for e in live if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected one header entry"
    header = {}
    for header_line in headers[0].msgstr[0].splitlines():
        key, _sep, value = header_line.partition(":")
        header[key.strip()] = value.strip()
    return header, [e for e in live if e is not headers[0]]


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def sample_n(plural_forms: str, nplurals: int) -> dict[int, int]:
    """For each plural form, a number that selects it."""
    expression = re.search(r"plural=(.*?);?\s*$", plural_forms).group(1)
    choose = stdlib_gettext.c2py(expression)
    found: dict[int, int] = {}
    for n in range(0, 1000):
        found.setdefault(choose(n), n)
    assert sorted(found) == list(range(nplurals)), f"plural forms {plural_forms} do not reach every index"
    return found


PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%[#0 +-]*\d*(?:\.\d+)?[sdifr]|\{[^{}]*\}"
)


def placeholders(text: str, entry: Entry) -> list[str]:
    if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
        return []
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def test_its_po_reader_handles_plurals_contexts_and_long_strings(tmp_path):
    path = tmp_path / "django.po"
    path.write_text(
        "\n".join(
            [
                "#, fuzzy",
                'msgid ""',
                'msgstr ""',
                '"Language: ru\\n"',
                '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : 1);\\n"',
                "",
                "#, python-format",
                'msgid ""',
                '"%(count)s long "',
                '"\\"line\\""',
                'msgid_plural "%(count)s lines"',
                'msgstr[0] "%(count)s строка"',
                'msgstr[1] ""',
                '"%(count)s строки"',
                'msgstr[2] ""',
                "",
                'msgctxt "month"',
                'msgid "May"',
                'msgstr "Май"',
                '#~ msgid "Gone"',
                '#~ msgstr "Нет"',
            ]
        ),
        encoding="utf-8",
    )
    header, entries = parse_po(path)
    assert header["Language"] == "ru" and header["Plural-Forms"].startswith("nplurals=3")
    assert "fuzzy" in parse_entries(path)[0].flags
    plural, may = entries
    assert plural.msgid == '%(count)s long "line"' and plural.msgid_plural == "%(count)s lines"
    assert plural.msgstr == {0: "%(count)s строка", 1: "%(count)s строки", 2: ""}
    assert plural.flags == {"python-format"}
    assert (may.msgctxt, may.msgid, may.msgstr) == ("month", "May", {0: "Май"})
    assert sample_n(PLURAL_FORMS["ru"], 3) == {0: 1, 1: 2, 2: 0}
    assert sample_n(PLURAL_FORMS["lv"], 3) == {2: 0, 0: 1, 1: 2}


# (a) every entry is translated, nothing is fuzzy, placeholders survive


@pytest.mark.parametrize("lang", ALL)
def test_its_header_names_the_language_and_plural_forms(lang):
    header, _entries = parse_po(po_path(lang))
    assert header.get("Language") == lang
    assert header.get("Plural-Forms") == PLURAL_FORMS[lang]
    assert "charset=UTF-8" in header.get("Content-Type", "")


@pytest.mark.parametrize("lang", ALL)
def test_it_has_no_fuzzy_entries(lang):
    path = po_path(lang)
    fuzzy = [e.label for e in parse_entries(path) if "fuzzy" in e.flags]
    assert not fuzzy, f"{path}: fuzzy entries (check the translation, then remove the flag):\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_it_translates_every_entry(lang):
    path = po_path(lang)
    header, entries = parse_po(path)
    nplurals = int(re.search(r"nplurals=(\d+)", header["Plural-Forms"]).group(1))
    assert entries, f"{path} has no entries"
    problems = []
    for entry in entries:
        expected = list(range(nplurals)) if entry.msgid_plural is not None else [0]
        if sorted(entry.msgstr) != expected:
            problems.append(f"{entry.label}: has msgstr forms {sorted(entry.msgstr)}, expected {expected}")
        empty = [k for k, v in entry.msgstr.items() if not v.strip()]
        if empty:
            problems.append(f"{entry.label}: empty msgstr {empty}")
        if entry.msgid_plural is None:
            if placeholders(entry.msgstr.get(0, ""), entry) != placeholders(entry.msgid, entry):
                problems.append(f"{entry.label}: placeholders differ from the msgid")
        else:
            # A form may leave the number out (ru "одна квитанция"), never invent or rename one.
            allowed = set(placeholders(entry.msgid, entry)) | set(placeholders(entry.msgid_plural, entry))
            for key, text in entry.msgstr.items():
                if not set(placeholders(text, entry)) <= allowed:
                    problems.append(f"{entry.label}: msgstr[{key}] has placeholders the msgid lacks")
    assert not problems, f"{path}: {len(problems)} untranslated or broken entries:\n" + "\n".join(problems)


def test_all_languages_have_the_same_entries():
    keys = {}
    for lang in ALL:
        _header, entries = parse_po(po_path(lang))
        keys[lang] = {(e.msgctxt, e.msgid, e.msgid_plural) for e in entries}
    for lang in ALL[1:]:
        assert keys[lang] == keys[ALL[0]], (
            f"{lang} and {ALL[0]} differ: run `make messages`. "
            f"Only in {lang}: {sorted(map(str, keys[lang] - keys[ALL[0]]))[:10]}; "
            f"only in {ALL[0]}: {sorted(map(str, keys[ALL[0]] - keys[lang]))[:10]}"
        )


# (b) the compiled .mo says what the .po says


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalog_matches_the_po(lang):
    path = po_path(lang)
    header, entries = parse_po(path)
    nplurals = int(re.search(r"nplurals=(\d+)", header["Plural-Forms"]).group(1))
    numbers = sample_n(header["Plural-Forms"], nplurals)
    stale = []
    with translation.override(lang):
        for entry in entries:
            if entry.msgid_plural is None:
                if entry.msgctxt is None:
                    got = translation.gettext(entry.msgid)
                else:
                    got = translation.pgettext(entry.msgctxt, entry.msgid)
                if got != entry.msgstr[0]:
                    stale.append(f"{entry.label}: got {got!r}, the .po says {entry.msgstr[0]!r}")
                continue
            for index, n in numbers.items():
                if entry.msgctxt is None:
                    got = translation.ngettext(entry.msgid, entry.msgid_plural, n)
                else:
                    got = translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                if got != entry.msgstr.get(index):
                    stale.append(f"{entry.label} (n={n}): got {got!r}, the .po says {entry.msgstr.get(index)!r}")
    assert not stale, f"{path.with_suffix('.mo')} is stale: run `make messages` and commit the .mo.\n" + "\n".join(
        stale
    )


# (c) the .po files know every string the code asks to translate

GETTEXT_FUNCTIONS = {
    "_": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "gettext_noop": ("msgid",),
    "pgettext": ("msgctxt", "msgid"),
    "pgettext_lazy": ("msgctxt", "msgid"),
    "ngettext": ("msgid", "msgid_plural"),
    "ngettext_lazy": ("msgid", "msgid_plural"),
    "npgettext": ("msgctxt", "msgid", "msgid_plural"),
    "npgettext_lazy": ("msgctxt", "msgid", "msgid_plural"),
}
SKIP_DIRS = {".venv", "var", "bench", "node_modules", "__pycache__", "migrations", "tests"}
SIMPLE_TRANSLATE = re.compile(
    r"""^(?:translate|trans)\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<ctxt>.*?)(?P=cq))?(?:\s+noop)?(?:\s+as\s+\w+)?\s*$"""
)


def source_files(suffixes: tuple[str, ...]):
    for base in (ROOT / "kabinet", ROOT / "templates"):
        for path in sorted(base.rglob("*")):
            if path.suffix in suffixes and not SKIP_DIRS & set(path.relative_to(ROOT).parts):
                yield path


def python_msgids() -> dict[tuple, str]:
    found = {}
    for path in source_files((".py",)):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            roles = GETTEXT_FUNCTIONS.get(name)
            if roles is None or len(node.args) < len(roles):
                continue
            args = node.args[: len(roles)]
            if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                continue
            values = dict(zip(roles, (a.value for a in args), strict=True))
            key = (values.get("msgctxt"), values["msgid"], values.get("msgid_plural"))
            found[key] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def template_msgids() -> dict[tuple, str]:
    found = {}
    for path in source_files((".html", ".txt")):
        for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
            if token.token_type != TokenType.BLOCK:
                continue
            match = SIMPLE_TRANSLATE.match(token.contents)
            if match:
                key = (match.group("ctxt"), match.group("msgid"), None)
                found[key] = f"{path.relative_to(ROOT)}:{token.lineno}"
    return found


def test_the_po_files_know_every_literal_in_the_code():
    """Cheap, needs no gettext: every _("...") and {% translate "..." %} is in every .po."""
    wanted = {**python_msgids(), **template_msgids()}
    assert len(wanted) > 50  # the extraction works at all
    for lang in ALL:
        _header, entries = parse_po(po_path(lang))
        known = {(e.msgctxt, e.msgid, e.msgid_plural) for e in entries}
        missing = [
            f"{where}: {key[1]!r}" for key, where in sorted(wanted.items(), key=lambda kv: kv[1]) if key not in known
        ]
        assert not missing, f"{po_path(lang)} lacks strings: run `make messages`.\n" + "\n".join(missing)


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msguniq") and shutil.which("msgmerge")),
    reason="GNU gettext (xgettext) is not installed",
)
def test_makemessages_would_change_nothing(tmp_path, monkeypatch, settings):
    """The exact check: makemessages on a copy of the code gives the same entries as the committed .po."""
    for name in ("kabinet", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["en"], no_location=True, no_obsolete=True, verbosity=0)
    _header, fresh = parse_po(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    fresh_keys = {(e.msgctxt, e.msgid, e.msgid_plural) for e in fresh}
    _header, committed = parse_po(po_path("en"))
    committed_keys = {(e.msgctxt, e.msgid, e.msgid_plural) for e in committed}
    new = sorted(str(k) for k in fresh_keys - committed_keys)
    gone = sorted(str(k) for k in committed_keys - fresh_keys)
    assert not new and not gone, (
        "The .po files are out of step with the code: run `make messages` and translate.\n"
        f"New in the code: {new}\nNo longer in the code: {gone}"
    )
