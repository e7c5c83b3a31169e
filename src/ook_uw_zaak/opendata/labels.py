"""The short label of every released column, in Dutch and English, and the unit
that decides how its figures are shown: one home, column_labels.csv beside this
module, keyed by column name (a column name means the same in every mart). The
workbook's headers and number formats and the data package's titles read it; a
released column without a label stops the release, naming it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

LABELS_FILE = "column_labels.csv"
UNITS = (
    "count",  # a whole number of things: 1.195
    "ratio",  # a quotient: 31,66
    "share",  # a fraction 0..1, shown as a percentage: 17,9 %
    "relative_change",  # a fraction, signed: -28,7 %
    "change",  # a signed difference: -154
    "year",  # 2019, never 2.019
    "order",  # a rank, a position, a question number
    "date",
    "boolean",
    "code",  # an identifier: shown as it is
    "text",
    "mixed",  # a column whose rows have different units: by value
)


@dataclass(frozen=True)
class Label:
    nl: str
    en: str
    unit: str


class LabelError(ValueError):
    """A released column has no label, or the labels file is malformed."""


@cache
def labels() -> dict[str, Label]:
    text = resources.files(__package__).joinpath(LABELS_FILE).read_text("utf-8")
    found: dict[str, Label] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        name, unit = row.get("column_name") or "", row.get("unit") or ""
        if unit not in UNITS or not row.get("label_nl") or not row.get("label_en"):
            raise LabelError(
                f"{LABELS_FILE}, line {line} ({name}): give label_nl, label_en and a "
                f"unit, one of {', '.join(UNITS)}."
            )
        if name in found:
            raise LabelError(f"{LABELS_FILE}, line {line}: {name} is labelled twice.")
        found[name] = Label(row["label_nl"], row["label_en"], unit)
    return found


def label(column: str) -> Label:
    found = labels().get(column)
    if found is None:
        raise LabelError(
            f"The released column {column} has no label: add a line for it to "
            f"src/ook_uw_zaak/opendata/{LABELS_FILE} (its Dutch and English label "
            "and its unit)."
        )
    return found
