"""Text from a sheet made inert for each output: a terminal line, Rich markup, Markdown, CSV, JSON.

A sheet is data written by someone else (a git tree under review, a peer's catalog), so nothing in
it may add lines, colours, terminal control sequences, HTML, Markdown structure or spreadsheet
formulas to what aicost prints. Every view passes sheet text through one of these functions at the
point where it becomes output. Stdlib only, so the JSON path stays light.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Characters no output may carry raw: C0 and C1 controls (ESC, CR, NUL, BEL...), DEL, the Unicode
# line and paragraph separators, bidi embeddings, overrides and isolates (which reorder what a
# reader sees, "Trojan Source"), zero-width and other invisible format characters, and lone
# surrogates (which no encoder can write).
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def plain(text: str) -> str:
    """One line of printable text: every unsafe character shown as its escape (`\\x1b`, `\\n`)."""
    if text.isascii() and text.isprintable():
        return text
    return UNSAFE.sub(_shown, text)


def markup(text: str) -> str:
    """Plain text for a Rich string: `[bold]` in a name stays literal."""
    from rich.markup import escape as rich_escape

    return rich_escape(plain(text))


# -- Markdown -------------------------------------------------------------------------------------

# Backslash escapes for every character that starts inline structure: code spans, emphasis, links
# and images, table cells, strikethrough. `$` starts GitHub math unless a digit follows (money).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~]|\$(?!\d))")
# `@name` notifies people and teams, `#123` links an issue: a zero-width space after the sign
# keeps the text as it reads without the link.
_MENTION = re.compile(r"([@#])(?=[\w-])")


def md(text: str) -> str:
    """Text for a Markdown cell, heading or list item: it reads the same and adds no structure."""
    text = plain(text)
    # no tag, comment or autolink can open without `<`; `&` so `&lt;` in a name stays as written.
    # `>` alone is inert away from the start of a line, which sheet text never has
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MENTION.sub(r"\1&#8203;", text)


class Md(str):
    """Markdown written by aicost itself (`**consistent**`), passed through `md_table` as is."""

    __slots__ = ()


# -- CSV ------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite() and text.strip() == text and "_" not in text
    except InvalidOperation:
        return False


def csv_text(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: no formula, no control sequence.

    Line breaks and tabs stay (the writer quotes the cell); a cell that would start a formula gets
    a leading `'`, the OWASP rule, unless it is a plain number such as the delta `-0.5`.
    """
    if not (text.isascii() and text.isprintable()):
        text = UNSAFE.sub(lambda m: m.group() if m.group() in "\t\r\n" else _shown(m), text)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def csv_line(cells: list[str]) -> str:
    """One CSV record: a cell is quoted when it holds a comma, a quote, or any line break.

    Python's csv module leaves a bare CR unquoted when the line ends in LF, which splits the
    row for every reader; quoting here covers it.
    """
    out = []
    for cell in cells:
        if any(c in cell for c in ',"\r\n'):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    return ",".join(out) + "\n"


# -- JSON -----------------------------------------------------------------------------------------


def json_text(rendered: str) -> str:
    """JSON text with every unsafe character written as a `\\uXXXX` escape: the same data, inert.

    `json.dumps(ensure_ascii=False)` escapes only C0 controls; DEL, C1 and bidi controls would
    reach a terminal that shows the JSON raw.
    """
    if rendered.isascii() and "\x7f" not in rendered:
        return rendered
    return UNSAFE.sub(lambda m: "\n" if m.group() == "\n" else _json_escape(m), rendered)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON spells characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
