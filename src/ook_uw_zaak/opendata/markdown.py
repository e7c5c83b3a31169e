"""Quoting a text in Markdown so that it is shown as it is and can never be read as
Markdown or HTML: not a heading, a list item, a link or an HTML tag, whatever it
holds. A line break or another control character is shown by its symbol (␊, ␀),
so a quoted text always stays on its line."""

from __future__ import annotations

import re
import unicodedata

# Punctuation that CommonMark may read as markup; each is written with a backslash
# (any ASCII punctuation may be), except - . _ inside a word (fct_info, 2015-11).
_MARKUP = set("\\`*_{}[]<>()#+-.!|~&")
_INSIDE_A_WORD = set("-._")
_BACKTICKS = re.compile(r"`+")


def _shown(character: str) -> str:
    """A control character or line separator as a visible symbol."""
    code = ord(character)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ to ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if unicodedata.category(character) == "Cc" or character in "\u2028\u2029":
        return f"<U+{code:04X}>"
    return character


def _visible(text: str) -> str:
    return "".join(_shown(character) for character in text)


def code(text: str) -> str:
    """`text` as inline code: a fence of more backticks than it holds in a row,
    spaces inside the fence where it starts or ends with a backtick or space
    (CommonMark removes one on each side), control characters as symbols."""
    text = _visible(text)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    if text[:1] in ("`", " ") or text[-1:] in ("`", " "):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def plain(text: str) -> str:
    """`text` as Markdown text: every character that could be markup escaped."""
    text = _visible(text)
    escaped = []
    for index, character in enumerate(text):
        inside_a_word = (
            character in _INSIDE_A_WORD
            and 0 < index < len(text) - 1
            and text[index - 1].isalnum()
            and text[index + 1].isalnum()
        )
        if character in _MARKUP and not inside_a_word:
            escaped.append("\\")
        escaped.append(character)
    return "".join(escaped)
