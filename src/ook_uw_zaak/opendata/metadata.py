"""The release's descriptions of itself: the Frictionless data package, the DCAT-AP
record (following DCAT-AP Vlaanderen where it applies), CITATION.cff, the release
identifier and the data licence."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ook_uw_zaak.opendata import texts
from ook_uw_zaak.opendata.checksums import sha256_of
from ook_uw_zaak.opendata.contents import Mart
from ook_uw_zaak.opendata.tables import csv_path, parquet_path
from ook_uw_zaak.opendata.workbook import WORKBOOK_FILE

DATAPACKAGE_FILE = "datapackage.json"
DCAT_FILE = "dcat.jsonld"
CITATION_FILE = "CITATION.cff"
RELEASE_FILE = "RELEASE"
PACKAGE_NAME = "ook-uw-zaak"


def write_release_id(release_dir: Path, release_id: str) -> Path:
    path = release_dir / RELEASE_FILE
    path.write_text(release_id + "\n", encoding="utf-8")
    return path


def write_licence(release_dir: Path) -> Path:
    legal_code = (
        resources.files("ook_uw_zaak.opendata")
        .joinpath("licences", "CC-BY-4.0.txt")
        .read_text(encoding="utf-8")
    )
    notice = texts.LICENCE_NOTICE.format(attribution=texts.LICENCE["attribution"])
    path = release_dir / texts.LICENCE_FILE
    path.write_text(notice + legal_code.rstrip("\n") + "\n", encoding="utf-8")
    return path


def datapackage(
    marts: list[Mart], release_id: str, created: datetime
) -> dict[str, Any]:
    """A Frictionless (tabular) data package of the CSV files, built from the
    marts' contracts: every column with its type, description and whether it is
    required, the primary key from the mart's unique tests."""
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
        "contributors": [{"title": texts.PUBLISHER, "role": "publisher"}],
        "resources": [_resource(mart) for mart in marts],
    }


def _resource(mart: Mart) -> dict[str, Any]:
    fields = []
    for column in mart.columns:
        field: dict[str, Any] = {
            "name": column.name,
            "type": column.field_type,
            "description": column.description,
        }
        if column.description_nl:
            field["description_nl"] = column.description_nl
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
        "dialect": {"delimiter": ",", "header": True, "quoteChar": '"'},
        "schema": schema,
    }


def write_datapackage(
    release_dir: Path, marts: list[Mart], release_id: str, created: datetime
) -> Path:
    path = release_dir / DATAPACKAGE_FILE
    descriptor = datapackage(marts, release_id, created)
    path.write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


# EU file-type and licence vocabularies (DCAT-AP), IANA media types.
_EU = "http://publications.europa.eu/resource/authority/"
_FORMATS = {
    ".csv": ("CSV", "text/csv"),
    ".parquet": ("PARQUET", "application/vnd.apache.parquet"),
    ".xlsx": (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ".json": ("JSON", "application/json"),
    ".duckdb": ("BIN", "application/octet-stream"),
}


def dcat_record(
    release_dir: Path, marts: list[Mart], release_id: str, created: datetime
) -> dict[str, Any]:
    """The dataset as DCAT-AP (JSON-LD): titles and descriptions in Dutch and
    English, publisher, contact point, licence, rights, theme, language, temporal
    coverage, version, and a distribution per file with its format, media type,
    licence and SHA-256 checksum. URLs are relative to the record (the release
    folder); a portal that harvests it resolves them against where it is served."""
    licence = {"@id": texts.LICENCE["eu_vocabulary"]}
    distributions = []
    files = [WORKBOOK_FILE, DATAPACKAGE_FILE, "ook_uw_zaak.duckdb"]
    files += [csv_path(mart).as_posix() for mart in marts]
    files += [parquet_path(mart).as_posix() for mart in marts]
    for relative in files:
        path = release_dir / relative
        if not path.is_file():
            continue
        file_type, media_type = _FORMATS[path.suffix]
        distributions.append(
            {
                "@id": relative,
                "@type": "dcat:Distribution",
                "dct:title": [
                    {"@language": "nl", "@value": _distribution_title(relative, "nl")},
                    {"@language": "en", "@value": _distribution_title(relative, "en")},
                ],
                "dcat:accessURL": {"@id": relative},
                "dcat:downloadURL": {"@id": relative},
                "dct:format": {"@id": f"{_EU}file-type/{file_type}"},
                "dcat:mediaType": {
                    "@id": f"https://www.iana.org/assignments/media-types/{media_type}"
                },
                "dct:license": licence,
                "dcat:byteSize": {
                    "@value": str(path.stat().st_size),
                    "@type": "xsd:nonNegativeInteger",
                },
                "spdx:checksum": {
                    "@type": "spdx:Checksum",
                    "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                    "spdx:checksumValue": sha256_of(path),
                },
            }
        )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "adms": "http://www.w3.org/ns/adms#",
            "owl": "http://www.w3.org/2002/07/owl#",
            "spdx": "http://spdx.org/rdf/terms#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"#{PACKAGE_NAME}",
        "@type": "dcat:Dataset",
        "dct:identifier": f"{PACKAGE_NAME}-{release_id}",
        "dct:title": [
            {"@language": "nl", "@value": texts.TITLE["nl"]},
            {"@language": "en", "@value": texts.TITLE["en"]},
        ],
        "dct:description": [
            {"@language": "nl", "@value": texts.DESCRIPTION["nl"]},
            {"@language": "en", "@value": texts.DESCRIPTION["en"]},
        ],
        "dcat:keyword": [
            {"@language": "nl", "@value": word} for word in texts.KEYWORDS["nl"]
        ]
        + [{"@language": "en", "@value": word} for word in texts.KEYWORDS["en"]],
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": texts.PUBLISHER},
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": texts.PUBLISHER,
        },
        "dcat:theme": {"@id": f"{_EU}data-theme/ECON"},
        "dct:language": {"@id": f"{_EU}language/NLD"},
        "dct:accessRights": {"@id": f"{_EU}access-right/PUBLIC"},
        "dct:license": licence,
        "dct:source": {"dct:title": texts.SOURCE["title"]},
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": "2015-11-01", "@type": "xsd:date"},
            "dcat:endDate": {"@value": "2021-06-30", "@type": "xsd:date"},
        },
        "dct:issued": {"@value": _timestamp(created), "@type": "xsd:dateTime"},
        "dct:modified": {"@value": _timestamp(created), "@type": "xsd:dateTime"},
        "owl:versionInfo": release_id,
        "adms:versionNotes": "CHANGELOG.md",
        "dcat:distribution": distributions,
    }


def _distribution_title(relative: str, language: str) -> str:
    name = Path(relative).name
    words = {
        "nl": {
            ".csv": "CSV",
            ".parquet": "Parquet",
            ".xlsx": "Excel-werkmap",
            ".json": "Frictionless-datapakket",
            ".duckdb": "DuckDB-databank",
        },
        "en": {
            ".csv": "CSV",
            ".parquet": "Parquet",
            ".xlsx": "Excel workbook",
            ".json": "Frictionless data package",
            ".duckdb": "DuckDB database",
        },
    }
    return f"{name} ({words[language][Path(relative).suffix]})"


def write_dcat(
    release_dir: Path, marts: list[Mart], release_id: str, created: datetime
) -> Path:
    path = release_dir / DCAT_FILE
    record = dcat_record(release_dir, marts, release_id, created)
    path.write_text(
        json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def citation(release_id: str, created: datetime) -> dict[str, Any]:
    return {
        "cff-version": "1.2.0",
        "message": (
            "Als u deze cijfers gebruikt, vermeld dan de bron zo. / If you use these "
            "figures, please cite them as below."
        ),
        "type": "dataset",
        "title": texts.TITLE["en"],
        "abstract": texts.DESCRIPTION["en"],
        "authors": [{"name": texts.PUBLISHER}],
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


def write_citation(release_dir: Path, release_id: str, created: datetime) -> Path:
    path = release_dir / CITATION_FILE
    path.write_text(
        yaml.safe_dump(
            citation(release_id, created), sort_keys=False, allow_unicode=True, width=88
        ),
        encoding="utf-8",
    )
    return path


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
