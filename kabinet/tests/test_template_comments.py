"""Django's {# ... #} comment is one line only: one spread over two lines is printed on
the page as text (it once put a developer's note above the inspector's route)."""

from pathlib import Path

from django.conf import settings


def template_files() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR, "kabinet").glob("*/templates")]
    return sorted(path for root in roots for path in root.rglob("*") if path.suffix in {".html", ".txt", ".xml"})


def test_no_template_comment_spans_two_lines():
    files = template_files()
    assert len(files) > 100
    unclosed = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert unclosed == [], "use {% comment %} for a comment of several lines: " + ", ".join(unclosed)
