"""dcat.jsonld: the release described for open-data portals, as DCAT-AP 3.0.1
(mandatory and, where the data exists, recommended properties) with what DCAT-AP
Vlaanderen adds (mdcat:statuut, an identifier on every distribution).

A catalogue holds the dataset and its catalogue record; the dataset's landing
page is the release's index page. Every value of a controlled vocabulary carries
its class and scheme, so a validator needs no vocabulary of its own. URLs are
absolute under the exposure's `url` (where releases are served) and relative to
the record when it is unset. `issued` is the dataset's first publication, carried
from release to release; `modified` moves only when a figure changed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ook_uw_zaak.opendata import texts
from ook_uw_zaak.opendata.checksums import sha256_of
from ook_uw_zaak.opendata.contents import Mart, Publisher
from ook_uw_zaak.opendata.names import DATASET_FILES, INDEX_FILE
from ook_uw_zaak.opendata.tables import csv_path, parquet_path

DCAT_FILE = "dcat.jsonld"
DATASET_ID = "ook-uw-zaak"

_EU = "http://publications.europa.eu/resource/authority/"
_IANA = "https://www.iana.org/assignments/media-types/"
_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "mdcat": "https://data.vlaanderen.be/ns/metadata-dcat#",
}
# file suffix -> (EU file type, IANA media type, Dutch and English kind)
_FORMATS = {
    ".csv": ("CSV", "text/csv", "CSV-bestand", "CSV file"),
    ".parquet": (
        "PARQUET",
        "application/vnd.apache.parquet",
        "Parquet-bestand",
        "Parquet file",
    ),
    ".xlsx": (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel-werkmap met een blad per tabel",
        "Excel workbook with a sheet per table",
    ),
    ".json": (
        "JSON",
        "application/json",
        "Frictionless-datapakket: de beschrijving van de CSV-bestanden",
        "Frictionless data package: the description of the CSV files",
    ),
    ".duckdb": (
        "BIN",
        "application/octet-stream",
        "DuckDB-databank met alle tabellen",
        "DuckDB database with every table",
    ),
}
# The Flemish open-data status (DCAT-AP Vlaanderen's mdcat:statuut).
_STATUUT = "https://metadata.vlaanderen.be/id/GDI-Vlaanderen-Trefwoorden"


# The labels of the vocabularies' values this record uses: a concept carries its
# label (DCAT-AP asks for one), so the record reads without the vocabularies.
_LABELS = {
    "access-right/PUBLIC": ("publiek", "public"),
    "GDI-Vlaanderen-Trefwoorden/VLOPENDATA": ("Vlaamse Open data", "Flemish open data"),
    "country/BEL": ("België", "Belgium"),
    "data-theme/ECON": ("Economie en financiën", "Economy and finance"),
    "file-type/BIN": ("Binair bestand", "Binary file"),
    "file-type/CSV": ("CSV", "CSV"),
    "file-type/JSON": ("JSON", "JSON"),
    "file-type/PARQUET": ("Parquet", "Parquet"),
    "file-type/XLSX": ("XLSX", "XLSX"),
    "language/NLD": ("Nederlands", "Dutch"),
    "licence/CC_BY_4_0": ("Creative Commons Naamsvermelding 4.0", "CC BY 4.0"),
    "planned-availability/STABLE": ("stabiel", "stable"),
    "licencetype/Attribution": ("Naamsvermelding", "Attribution"),
    "status/Completed": ("Voltooid", "Completed"),
    "publishertype/RegionalAuthority": ("Regionale overheid", "Regional authority"),
    "publishertype/NationalAuthority": ("Nationale overheid", "National authority"),
    "publishertype/LocalAuthority": ("Lokale overheid", "Local authority"),
    "publishertype/Company": ("Bedrijf", "Company"),
    "publishertype/NonProfitOrganisation": ("Vzw", "Non-profit organisation"),
    "publishertype/Academia-ScientificOrganisation": (
        "Academische of wetenschappelijke instelling",
        "Academia or scientific organisation",
    ),
}


# The vocabularies those values come from, by the last part of their address.
_SCHEMES = {
    "access-right": "Access rights",
    "country": "Countries and territories",
    "data-theme": "Data themes",
    "file-type": "File types",
    "language": "Languages",
    "licence": "Licences",
    "planned-availability": "Planned availability",
    "1.0": "ADMS vocabulary",
    "GDI-Vlaanderen-Trefwoorden": "GDI-Vlaanderen trefwoorden",
}


def _concept(iri: str, scheme: str, kind: str = "skos:Concept") -> dict[str, Any]:
    """A value of a controlled vocabulary, with its class, scheme and label."""
    kinds = [kind] if kind == "skos:Concept" else [kind, "skos:Concept"]
    key = "/".join(iri.rstrip("/").split("/")[-2:])
    if key not in _LABELS:
        raise ValueError(f"{iri} has no label in {__name__}._LABELS: add it there.")
    dutch, english = _LABELS[key]
    return {
        "@id": iri,
        "@type": kinds,
        "skos:inScheme": {
            "@id": scheme,
            "@type": "skos:ConceptScheme",
            "dct:title": _SCHEMES[scheme.rstrip("/").split("/")[-1]],
        },
        "skos:prefLabel": _both({"nl": dutch, "en": english}),
    }


def _both(values: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"@language": language, "@value": values[language]} for language in ("nl", "en")
    ]


def _when(moment: str) -> dict[str, str]:
    return {"@value": moment, "@type": "xsd:dateTime"}


def _publisher(publisher: Publisher) -> dict[str, Any]:
    return {
        "@id": publisher.iri,
        "@type": ["foaf:Agent", "foaf:Organization"],
        "foaf:name": publisher.name,
        "foaf:homepage": {"@id": publisher.homepage},
        "dct:type": _concept(
            f"http://purl.org/adms/publishertype/{publisher.kind}",
            "http://purl.org/adms/publishertype/1.0",
        ),
    }


def _contact(publisher: Publisher) -> dict[str, Any]:
    contact: dict[str, Any] = {
        "@type": ["vcard:Kind", "vcard:Organization"],
        "vcard:fn": publisher.name,
        "vcard:hasURL": {"@id": publisher.homepage},
    }
    if publisher.email:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{publisher.email}"}
    return contact


def _distribution(
    release_dir: Path, relative: str, url: str, licence: dict[str, Any]
) -> dict[str, Any]:
    path = release_dir / relative
    file_type, media_type, kind_nl, kind_en = _FORMATS[path.suffix]
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:identifier": f"{DATASET_ID}/{relative}",
        "dct:title": _both(
            {"nl": f"{path.name} ({kind_nl})", "en": f"{path.name} ({kind_en})"}
        ),
        "dct:description": _both({"nl": kind_nl, "en": kind_en}),
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:format": _concept(
            f"{_EU}file-type/{file_type}", f"{_EU}file-type", "dct:MediaTypeOrExtent"
        ),
        "dcat:mediaType": {"@id": f"{_IANA}{media_type}", "@type": "dct:MediaType"},
        "dct:license": licence,
        "dcatap:availability": _concept(
            f"{_EU}planned-availability/STABLE", f"{_EU}planned-availability"
        ),
        "dcat:byteSize": {
            "@value": str(path.stat().st_size),
            "@type": "xsd:nonNegativeInteger",
        },
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {
                "@id": "https://spdx.org/rdf/terms#checksumAlgorithm_sha256",
                "@type": "spdx:ChecksumAlgorithm",
            },
            "spdx:checksumValue": {"@value": sha256_of(path), "@type": "xsd:hexBinary"},
        },
    }


def dcat_record(
    release_dir: Path,
    marts: list[Mart],
    publisher: Publisher,
    release_id: str,
    issued: str,
    modified: str,
) -> dict[str, Any]:
    """The catalogue, its record and the dataset with a distribution per file."""
    base = publisher.base_url + f"{release_id}/" if publisher.base_url else ""
    licence = {
        **_concept(
            texts.LICENCE["eu_vocabulary"], f"{_EU}licence", "dct:LicenseDocument"
        ),
        "dct:type": _concept(
            "http://purl.org/adms/licencetype/Attribution",
            "http://purl.org/adms/licencetype/1.0",
        ),
    }
    language = _concept(f"{_EU}language/NLD", f"{_EU}language", "dct:LinguisticSystem")
    spatial = _concept(f"{_EU}country/BEL", f"{_EU}country", "dct:Location")
    files = [*DATASET_FILES]
    files += [csv_path(mart).as_posix() for mart in marts]
    files += [parquet_path(mart).as_posix() for mart in marts]
    distributions = [
        _distribution(release_dir, relative, base + relative, licence)
        for relative in files
        if (release_dir / relative).is_file()
    ]
    dataset_iri = f"{base}{DCAT_FILE}#dataset"
    agent = _publisher(publisher)
    dataset = {
        "@id": dataset_iri,
        "@type": "dcat:Dataset",
        "dct:identifier": DATASET_ID,
        "dct:title": _both(texts.TITLE),
        "dct:description": _both(texts.DESCRIPTION),
        "dcat:keyword": [
            {"@language": language, "@value": word}
            for language in ("nl", "en")
            for word in texts.KEYWORDS[language]
        ],
        "dct:publisher": agent,
        "dcat:contactPoint": _contact(publisher),
        "dcat:theme": _concept(f"{_EU}data-theme/ECON", f"{_EU}data-theme"),
        "dct:language": language,
        "dct:spatial": spatial,
        "dct:accessRights": _concept(
            f"{_EU}access-right/PUBLIC", f"{_EU}access-right", "dct:RightsStatement"
        ),
        "dct:license": licence,
        "mdcat:statuut": _concept(f"{_STATUUT}/VLOPENDATA", _STATUUT),
        "dct:relation": {
            "@type": "foaf:Document",
            "dct:title": texts.SOURCE["title"],
        },
        "dcat:landingPage": {"@id": base + INDEX_FILE, "@type": "foaf:Document"},
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": "2015-11-01", "@type": "xsd:date"},
            "dcat:endDate": {"@value": "2021-06-30", "@type": "xsd:date"},
        },
        "dct:issued": _when(issued),
        "dct:modified": _when(modified),
        "owl:versionInfo": release_id,
        "adms:versionNotes": {"@language": "en", "@value": f"See {base}CHANGELOG.md"},
        "dcat:distribution": distributions,
    }
    record = {
        "@id": f"{base}{DCAT_FILE}#record",
        "@type": "dcat:CatalogRecord",
        "foaf:primaryTopic": {"@id": dataset_iri},
        "dct:issued": _when(issued),
        "dct:modified": _when(modified),
        "dct:conformsTo": {
            "@id": "http://data.europa.eu/r5r/",
            "@type": "dct:Standard",
            "dct:title": "DCAT-AP 3.0.1",
        },
        "adms:status": _concept(
            "http://purl.org/adms/status/Completed", "http://purl.org/adms/status/1.0"
        ),
    }
    catalogue = {
        "@id": f"{base}{DCAT_FILE}#catalogue",
        "@type": "dcat:Catalog",
        "dct:title": _both(texts.TITLE),
        "dct:description": _both(texts.DESCRIPTION),
        "dct:publisher": {"@id": publisher.iri},
        "foaf:homepage": {"@id": base + INDEX_FILE},
        "dct:issued": _when(issued),
        "dct:modified": _when(modified),
        "dct:language": language,
        "dct:license": licence,
        "dct:spatial": spatial,
        "dcat:themeTaxonomy": {
            "@id": f"{_EU}data-theme",
            "@type": "skos:ConceptScheme",
            "dct:title": _both({"nl": "Datathema's", "en": "Data themes"}),
        },
        "dcat:dataset": {"@id": dataset_iri},
        "dcat:record": {"@id": record["@id"]},
    }
    return {"@context": _CONTEXT, "@graph": [catalogue, record, dataset]}


def first_issued(previous_release: Path | None) -> str | None:
    """When the dataset was first published: the `issued` of the previous
    release's record, if it has a readable one."""
    return _previous_date(previous_release, "dct:issued")


def last_modified(previous_release: Path | None) -> str | None:
    """When the previous release's figures last changed, from its record."""
    return _previous_date(previous_release, "dct:modified")


def _previous_date(previous_release: Path | None, key: str) -> str | None:
    if previous_release is None:
        return None
    try:
        record = json.loads((previous_release / DCAT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return _dated(record, key)


def _dated(record: dict[str, Any], key: str) -> str | None:
    for node in record.get("@graph", []):
        if node.get("@type") == "dcat:Dataset":
            value = node.get(key, {})
            if isinstance(value, dict) and isinstance(value.get("@value"), str):
                try:
                    datetime.fromisoformat(value["@value"])
                except ValueError:
                    return None
                return value["@value"]
    return None


def write_dcat(
    release_dir: Path,
    marts: list[Mart],
    publisher: Publisher,
    release_id: str,
    issued: str,
    modified: str,
) -> Path:
    path = release_dir / DCAT_FILE
    record = dcat_record(release_dir, marts, publisher, release_id, issued, modified)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path
