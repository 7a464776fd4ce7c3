"""The tiny markup staff write pages in, rendered without trusting a character of it.

Django-free apart from the HTML escaping helpers. The back office takes no HTML: a text is
split into blocks by blank lines, and a block is
  - a heading when it starts with "## " (the FAQ's questions),
  - a list when every line starts with "- ",
  - otherwise a paragraph, its lines kept as line breaks.
Addresses starting with http:// or https:// and e-mail addresses become links. Everything
else is escaped, so a "<script>" written in the back office shows as text.
"""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

LINK = re.compile(r"(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]])|([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


def _inline(text: str) -> str:
    """One line, escaped, with its URLs and e-mail addresses as links."""
    out, last = [], 0
    for match in LINK.finditer(text):
        out.append(escape(text[last : match.start()]))
        url, email = match.groups()
        if url:
            out.append(format_html('<a href="{}" rel="nofollow noopener">{}</a>', url, url))
        else:
            out.append(format_html('<a href="mailto:{}">{}</a>', email, email))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """[(kind, lines)]: kind "h", "ul" or "p"; the lines without their markers."""
    found = []
    for chunk in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## "):
            found.append(("h", [lines[0][3:].strip()]))
            lines = lines[1:]
            if not lines:
                continue
        if all(line.startswith("- ") for line in lines):
            found.append(("ul", [line[2:].strip() for line in lines]))
        else:
            found.append(("p", lines))
    return found


def render(text: str, heading: str = "h2") -> SafeString:
    """The text as HTML: every character escaped, only our own tags added."""
    html = []
    for kind, lines in blocks(text):
        if kind == "h":
            html.append(f"<{heading}>{_inline(lines[0])}</{heading}>")
        elif kind == "ul":
            html.append("<ul>" + "".join(f"<li>{_inline(line)}</li>" for line in lines) + "</ul>")
        else:
            html.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return mark_safe("\n".join(html))  # nosec B308 B703 - built from escaped pieces only
