"""The release's descriptions of itself: the Frictionless data package,
CITATION.cff, the release identifier and the data licence (the DCAT record:
opendata/dcat.py)."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ook_uw_zaak.opendata import texts
from ook_uw_zaak.opendata.checksums import sha256_of
from ook_uw_zaak.opendata.contents import Mart, Publisher
from ook_uw_zaak.opendata.labels import label
from ook_uw_zaak.opendata.names import (
    CITATION_FILE,
    DATAPACKAGE_FILE,
    LICENCE_FILE,
    RELEASE_ID_FILE,
)
from ook_uw_zaak.opendata.tables import csv_path

PACKAGE_NAME = "ook-uw-zaak"


def write_release_id(release_dir: Path, release_id: str) -> Path:
    path = release_dir / RELEASE_ID_FILE
    path.write_text(release_id + "\n", encoding="utf-8")
    return path


def write_licence(release_dir: Path) -> Path:
    legal_code = (
        resources.files("ook_uw_zaak.opendata")
        .joinpath("licences", "CC-BY-4.0.txt")
        .read_text(encoding="utf-8")
    )
    notice = texts.LICENCE_NOTICE.format(attribution=texts.LICENCE["attribution"])
    path = release_dir / LICENCE_FILE
    path.write_text(notice + legal_code.rstrip("\n") + "\n", encoding="utf-8")
    return path


def datapackage(
    release_dir: Path,
    marts: list[Mart],
    publisher: Publisher,
    release_id: str,
    created: datetime,
) -> dict[str, Any]:
    """A Frictionless (tabular) data package of the CSV files, built from the
    marts' contracts: every column with its type, description and whether it is
    required, the primary key from the mart's unique tests; each file with its
    size and SHA-256 hash."""
    licence = texts.LICENCE
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "id": f"{PACKAGE_NAME}-{release_id}",
        "title": f"{texts.TITLE['nl']} / {texts.TITLE['en']}",
        "title_nl": texts.TITLE["nl"],
        "title_en": texts.TITLE["en"],
        "description": texts.DESCRIPTION["en"],
        "description_nl": texts.DESCRIPTION["nl"],
        "version": release_id,
        "created": _timestamp(created),
        "keywords": texts.KEYWORDS["nl"] + texts.KEYWORDS["en"],
        "licenses": [
            {"name": licence["id"], "path": licence["url"], "title": licence["title"]}
        ],
        "sources": [{"title": texts.SOURCE["title"]}],
        "contributors": [
            {
                "title": publisher.name,
                "role": "publisher",
                "path": publisher.homepage,
                **({"email": publisher.email} if publisher.email else {}),
            }
        ],
        "resources": [_resource(release_dir, mart) for mart in marts],
    }


def _resource(release_dir: Path, mart: Mart) -> dict[str, Any]:
    fields = []
    for column in mart.columns:
        field: dict[str, Any] = {
            "name": column.name,
            "title": label(column.name).en,
            "title_nl": label(column.name).nl,
            "type": column.field_type,
            "description": column.description,
            "description_nl": column.description_nl,
        }
        if column.field_type == "boolean":
            field["trueValues"] = ["true"]
            field["falseValues"] = ["false"]
        if column.required or column.name in mart.primary_key:
            field["constraints"] = {"required": True}
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if mart.primary_key:
        schema["primaryKey"] = list(mart.primary_key)
    return {
        "profile": "tabular-data-resource",
        "name": mart.name,
        "path": csv_path(mart).as_posix(),
        "title": mart.name,
        "description": mart.description,
        "description_nl": mart.description_nl,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": (release_dir / csv_path(mart)).stat().st_size,
        "hash": f"sha256:{sha256_of(release_dir / csv_path(mart))}",
        "dialect": {"delimiter": ",", "header": True, "quoteChar": '"'},
        "schema": schema,
    }


def write_datapackage(
    release_dir: Path,
    marts: list[Mart],
    publisher: Publisher,
    release_id: str,
    created: datetime,
) -> Path:
    path = release_dir / DATAPACKAGE_FILE
    descriptor = datapackage(release_dir, marts, publisher, release_id, created)
    path.write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def citation(
    publisher: Publisher, release_id: str, created: datetime
) -> dict[str, Any]:
    return {
        "cff-version": "1.2.0",
        "message": (
            "Als u deze cijfers gebruikt, vermeld dan de bron zo. / If you use these "
            "figures, please cite them as below."
        ),
        "type": "dataset",
        "title": texts.TITLE["en"],
        "abstract": texts.DESCRIPTION["en"],
        "authors": [
            {
                "name": publisher.name,
                "website": publisher.homepage,
                **({"email": publisher.email} if publisher.email else {}),
            }
        ],
        "version": release_id,
        "date-released": created.date().isoformat(),
        "license": texts.LICENCE["id"],
        "keywords": texts.KEYWORDS["en"],
        "references": [
            {
                "type": "government-document",
                "title": texts.SOURCE["title"],
                "authors": [{"name": "Vlaams Parlement"}],
                "notes": texts.SOURCE["note_en"],
            }
        ],
    }


def write_citation(
    release_dir: Path, publisher: Publisher, release_id: str, created: datetime
) -> Path:
    path = release_dir / CITATION_FILE
    path.write_text(
        yaml.safe_dump(
            citation(publisher, release_id, created),
            sort_keys=False,
            allow_unicode=True,
            width=88,
        ),
        encoding="utf-8",
    )
    return path


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
