"""Characters a seed cell must not hold, each named the way Unicode names it (NULL
(U+0000), CYRILLIC CAPITAL LETTER A (U+0410)) with its position in the cell, so
that a reader can find a character that looks like another or cannot be seen."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Unicode gives the control characters no name, only an alias: these are the
# aliases of U+0000 to U+001F, in order; DELETE is U+007F, NEXT LINE U+0085.
_C0_NAMES = (
    "NULL",
    "START OF HEADING",
    "START OF TEXT",
    "END OF TEXT",
    "END OF TRANSMISSION",
    "ENQUIRY",
    "ACKNOWLEDGE",
    "BELL",
    "BACKSPACE",
    "CHARACTER TABULATION",
    "LINE FEED",
    "LINE TABULATION",
    "FORM FEED",
    "CARRIAGE RETURN",
    "SHIFT OUT",
    "SHIFT IN",
    "DATA LINK ESCAPE",
    "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO",
    "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR",
    "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK",
    "CANCEL",
    "END OF MEDIUM",
    "SUBSTITUTE",
    "ESCAPE",
    "FILE SEPARATOR",
    "GROUP SEPARATOR",
    "RECORD SEPARATOR",
    "UNIT SEPARATOR",
)
# The characters that end a line: line feed, carriage return, next line (U+0085),
# line and paragraph separator.
LINE_ENDS = frozenset("\n\r\x85\u2028\u2029")


@dataclass(frozen=True)
class Found:
    """A character found in a cell: where (1 is the first character) and what."""

    position: int
    character: str

    def __str__(self) -> str:
        return f"{name(self.character)} at position {self.position}"


def name(character: str) -> str:
    """The character's Unicode name and code point: 'NULL (U+0000)'."""
    code = ord(character)
    if code < len(_C0_NAMES):
        label = _C0_NAMES[code]
    elif code == 0x7F:
        label = "DELETE"
    elif code == 0x85:
        label = "NEXT LINE"
    elif 0x80 <= code <= 0x9F:
        label = "C1 CONTROL CHARACTER"
    else:
        label = unicodedata.name(character, "a character without a name")
    return f"{label} (U+{code:04X})"


def is_control(character: str) -> bool:
    """A C0 or C1 control character, or DELETE (a tab and line ends included)."""
    return unicodedata.category(character) == "Cc"


def is_invisible(character: str) -> bool:
    """A formatting character (zero-width space, a direction override, a soft
    hyphen, ...), a private-use character or one Unicode has not assigned."""
    return unicodedata.category(character) in {"Cf", "Co", "Cn", "Cs"}


def is_foreign_letter(character: str) -> bool:
    """A letter that is not of the Latin alphabet (Cyrillic А, Greek Α, a
    full-width Ａ): one that looks like a Latin letter but is not one."""
    return unicodedata.category(character).startswith("L") and not (
        unicodedata.name(character, "").startswith("LATIN ")
    )


def find(value: str, test: Callable[[str], bool]) -> list[Found]:
    """Every character of `value` that `test` accepts, with its position."""
    return [
        Found(position, character)
        for position, character in enumerate(value, start=1)
        if test(character)
    ]


def describe(found: list[Found]) -> str:
    """The first character found, and how many more there are."""
    more = len(found) - 1
    return str(found[0]) + (f" (and {more} more like it)" if more else "")
