"""What a release holds, read from dbt's manifest: the marts the exposure
`open_data_release` depends on, each with its contract (columns, data types,
descriptions), its primary key (from its unique and not_null tests) and its row
order.

A column's Dutch description is the doc block column__<name>__nl
(models/_columns_nl__docs.md), one per column name; a mart's is its
meta.description_nl."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ook_uw_zaak.dbt.keys import primary_keys

RELEASE_EXPOSURE = "open_data_release"
_DUTCH_BLOCK = re.compile(r"column__(\w+)__nl")

# dbt contract data types -> the Frictionless Table Schema field type.
FIELD_TYPES = {
    "varchar": "string",
    "text": "string",
    "integer": "integer",
    "bigint": "integer",
    "double precision": "number",
    "double": "number",
    "date": "date",
    "boolean": "boolean",
}


class ReleaseContentError(RuntimeError):
    """The manifest does not describe a releasable set of marts."""


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    description: str
    description_nl: str
    required: bool

    @property
    def field_type(self) -> str:
        return FIELD_TYPES[self.data_type]


@dataclass(frozen=True)
class Mart:
    name: str
    schema: str
    description: str
    description_nl: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    order_by: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def select_sql(self) -> str:
        """The query that reads the mart in the release's row order. Every name in
        it comes from the manifest and is checked to be a plain identifier."""
        columns = ", ".join(_quoted(name) for name in self.column_names)
        order = ", ".join(_quoted(name) for name in self.order_by) or "all"
        return (
            f"select {columns} from {_quoted(self.schema)}.{_quoted(self.name)} "
            f"order by {order}"
        )


@dataclass(frozen=True)
class Publisher:
    """Who publishes the release, and where releases are served: the exposure
    open_data_release's owner, meta and url (models/marts/_release__exposures.yml),
    their one home."""

    name: str
    email: str | None
    iri: str
    kind: str  # a code of the ADMS publisher types, e.g. RegionalAuthority
    homepage: str
    base_url: str | None  # where release folders are served; None: relative URLs


_URL = re.compile(r"https?://[^\s<>\"'`{}|\\^]+")
_EMAIL = re.compile(r"[^\s@<>\"'`]+@[^\s@<>\"'`]+\.[a-z]{2,}", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")


def _release_exposure(manifest: dict[str, Any], manifest_path: Path) -> dict[str, Any]:
    exposures = [
        exposure
        for exposure in manifest.get("exposures", {}).values()
        if exposure.get("name") == RELEASE_EXPOSURE
    ]
    if len(exposures) != 1:
        raise ReleaseContentError(
            f"{manifest_path} has no exposure named {RELEASE_EXPOSURE}: it lists "
            "the marts a release publishes (models/marts/_release__exposures.yml)."
        )
    return exposures[0]


def read_publisher(manifest_path: Path) -> Publisher:
    """The publisher of the release, checked: each value reaches JSON-LD, YAML and
    HTML, so a URL must be a plain http(s) URL and an e-mail address an address."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    exposure = _release_exposure(manifest, manifest_path)
    owner = exposure.get("owner") or {}
    meta = exposure.get("config", {}).get("meta") or exposure.get("meta") or {}
    where = f"the exposure {RELEASE_EXPOSURE} (models/marts/_release__exposures.yml)"

    def checked(value: Any, pattern: re.Pattern[str], field: str) -> str:
        text = str(value or "")
        if not pattern.fullmatch(text):
            raise ReleaseContentError(
                f"{field} of {where} is {text!r}: give "
                + ("an http(s) URL" if pattern is _URL else "a valid value")
                + "."
            )
        return text

    name = " ".join(str(owner.get("name") or "").split())
    if not name:
        raise ReleaseContentError(
            f"owner.name of {where} is empty: name the publisher."
        )
    email = owner.get("email")
    base_url = exposure.get("url")
    return Publisher(
        name=name,
        email=checked(email, _EMAIL, "owner.email") if email else None,
        iri=checked(meta.get("publisher_iri"), _URL, "meta.publisher_iri"),
        kind=checked(meta.get("publisher_type"), _WORD, "meta.publisher_type"),
        homepage=checked(
            meta.get("publisher_homepage"), _URL, "meta.publisher_homepage"
        ),
        base_url=checked(base_url, _URL, "url").rstrip("/") + "/" if base_url else None,
    )


def read_marts(manifest_path: Path) -> list[Mart]:
    """The released marts, in the order the exposure lists them."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    exposure = _release_exposure(manifest, manifest_path)
    keys = primary_keys(manifest)
    dutch = dutch_column_descriptions(manifest)
    marts = []
    for unique_id in exposure["depends_on"]["nodes"]:
        node = manifest["nodes"][unique_id]
        marts.append(_mart(node, keys.get(unique_id, ()), dutch))
    return marts


def dutch_column_descriptions(manifest: dict[str, Any]) -> dict[str, str]:
    """Column name -> its Dutch description, from the doc blocks column__<name>__nl."""
    found = {}
    for block in manifest.get("docs", {}).values():
        match = _DUTCH_BLOCK.fullmatch(str(block.get("name", "")))
        if match:
            found[match.group(1)] = " ".join(str(block["block_contents"]).split())
    return found


def _mart(
    node: dict[str, Any], primary_key: tuple[str, ...], dutch: dict[str, str]
) -> Mart:
    name = node["name"]
    if not node.get("config", {}).get("contract", {}).get("enforced"):
        raise ReleaseContentError(
            f"The mart {name} has no enforced contract: a released mart must declare "
            "every column's data type."
        )
    columns = []
    for column in node["columns"].values():
        data_type = (column.get("data_type") or "").lower()
        if data_type not in FIELD_TYPES:
            raise ReleaseContentError(
                f"Column {name}.{column['name']} has data type {data_type!r}, which "
                f"the release does not map; known: {', '.join(FIELD_TYPES)}."
            )
        required = any(
            constraint.get("type") == "not_null"
            for constraint in column.get("constraints", [])
        )
        columns.append(
            Column(
                name=_identifier(column["name"]),
                data_type=data_type,
                description=" ".join(column.get("description", "").split()),
                description_nl=_dutch(dutch, name, column["name"]),
                required=required,
            )
        )
    meta = node.get("config", {}).get("meta", {})
    order_by = tuple(_identifier(c) for c in meta.get("release_order_by", []))
    return Mart(
        name=_identifier(name),
        schema=_identifier(node["schema"]),
        description=" ".join(node.get("description", "").split()),
        description_nl=" ".join(str(meta.get("description_nl") or "").split()),
        columns=tuple(columns),
        primary_key=tuple(_identifier(column) for column in primary_key),
        order_by=order_by,
    )


def _dutch(dutch: dict[str, str], mart: str, column: str) -> str:
    if not dutch.get(column):
        raise ReleaseContentError(
            f"Column {mart}.{column} has no Dutch description: add the doc block "
            f"column__{column}__nl to models/_columns_nl__docs.md."
        )
    return dutch[column]


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ReleaseContentError(f"{name!r} is not a plain identifier.")
    return name


def _quoted(name: str) -> str:
    return f'"{_identifier(name)}"'
