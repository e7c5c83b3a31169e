"""The open-data release written from a built warehouse: every file holds exactly
the marts' rows (read back and compared), the data package validates with
frictionless, the workbook's figures are numeric cells, `sha256sum -c` passes, and
the changelog says what changed since the previous release.

The warehouse is built once per session (conftest's built_warehouse); the release
is written from it once, into pytest's temporary folders."""

from __future__ import annotations

import csv
import html.parser
import io
import json
import shutil
import subprocess
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import frictionless
import markdown_it
import openpyxl
import pytest
import yaml

from ook_uw_zaak.dbt.session import DOCS_PAGE_NAME
from ook_uw_zaak.opendata.changelog import (
    CHANGELOG_FILE,
    NOTHING_CHANGED,
    write_changelog,
)
from ook_uw_zaak.opendata.checksums import CHECKSUM_FILE, sha256_of
from ook_uw_zaak.opendata.contents import (
    Column,
    Mart,
    ReleaseContentError,
    read_marts,
    read_publisher,
)
from ook_uw_zaak.opendata.docs_page import DOCS_PAGE, DocsError, copy_docs_page
from ook_uw_zaak.opendata.labels import LabelError, label
from ook_uw_zaak.opendata.names import LICENCE_FILE
from ook_uw_zaak.opendata.texts import README_SHEET
from ook_uw_zaak.opendata.workbook import WORKBOOK_FILE, sheet_names
from ook_uw_zaak.opendata.writer import write_release
from ook_uw_zaak.project import PUBLISHED_FILE_NAME
from ook_uw_zaak.publish import workspace
from ook_uw_zaak.publish.releases import current_release

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXED_NAMES = [
    WORKBOOK_FILE,
    "datapackage.json",
    "dcat.jsonld",
    "CITATION.cff",
    LICENCE_FILE,
    CHANGELOG_FILE,
    "RELEASE",
    "docs/index.html",
    "index.html",
    "report/nl.html",
    "report/en.html",
    CHECKSUM_FILE,
]
# A mart that is not released, and why: a calendar for MetricFlow, not a figure.
NOT_RELEASED = {"metricflow_time_spine"}


@pytest.fixture(scope="session")
def dbt_target(built_warehouse: Path) -> Path:
    """The dbt target folder of the shared build (its manifest and documentation
    page), as the build kept it beside the release it published."""
    project_dir = built_warehouse.parent
    release = current_release(project_dir)
    assert release is not None, "the shared build published no release"
    return workspace.published_build(project_dir, release.name) / "target"


@pytest.fixture(scope="session")
def release(
    built_warehouse: Path, dbt_target: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("releases") / "test-release-1"
    folder.mkdir()
    write_release(built_warehouse, folder, None, dbt_target=dbt_target)
    return folder


@pytest.fixture(scope="session")
def marts(dbt_target: Path) -> list[Mart]:
    return read_marts(dbt_target / "manifest.json")


def database_rows(database: Path, mart: Mart) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(mart.select_sql()).fetchall()


def test_release_has_every_file(release: Path, marts: list[Mart]) -> None:
    names = {
        p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()
    }
    expected = set(FIXED_NAMES)
    expected |= {f"data/csv/{mart.name}.csv" for mart in marts}
    expected |= {f"data/parquet/{mart.name}.parquet" for mart in marts}
    assert expected <= names
    assert (release / "RELEASE").read_text(encoding="utf-8") == "test-release-1\n"


def test_every_mart_but_the_time_spine_is_released(
    built_warehouse: Path, marts: list[Mart]
) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        tables = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
    assert {mart.name for mart in marts} == tables - NOT_RELEASED
    assert "fct_programme_whole_run" in tables


def test_csv_files_hold_exactly_the_marts_rows(
    release: Path, built_warehouse: Path, marts: list[Mart]
) -> None:
    """Read back with Python's csv module, as a reader's program would, not with
    the DuckDB that wrote them."""
    for mart in marts:
        path = release / "data" / "csv" / f"{mart.name}.csv"
        text = path.read_bytes().decode("utf-8")  # UTF-8, or this raises
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
        assert rows[0] == mart.column_names
        read_back = [
            tuple(
                _parsed(value, column.field_type)
                for value, column in zip(row, mart.columns, strict=True)
            )
            for row in rows[1:]
        ]
        assert read_back == database_rows(built_warehouse, mart), mart.name


def _parsed(value: str, field_type: str) -> Any:
    if value == "":
        return None
    parse = {
        "integer": int,
        "number": float,
        "date": date.fromisoformat,
        "boolean": {"true": True, "false": False}.__getitem__,
    }.get(field_type, str)
    return parse(value)


def test_csv_dates_are_iso_and_decimals_use_a_dot(release: Path) -> None:
    text = (release / "data/csv/fct_programme_whole_run.csv").read_text("utf-8")
    assert ",2015-11-01,2020-12-31,62," in text
    assert ",31.660493827160494," in text  # 5129 / 162, a dot, never a comma
    assert ",3091.0," in text


def test_parquet_files_hold_exactly_the_marts_rows(
    release: Path, built_warehouse: Path, marts: list[Mart]
) -> None:
    with duckdb.connect() as connection:
        for mart in marts:
            path = release / "data" / "parquet" / f"{mart.name}.parquet"
            relation = connection.sql(f"select * from read_parquet('{path}')")
            assert relation.columns == mart.column_names
            assert relation.fetchall() == database_rows(built_warehouse, mart)


def test_workbook_sheets_hold_the_marts_rows_as_numbers(
    release: Path, built_warehouse: Path, marts: list[Mart]
) -> None:
    workbook = openpyxl.load_workbook(release / WORKBOOK_FILE)
    names = sheet_names(marts)
    assert workbook.sheetnames == [README_SHEET] + [names[m.name] for m in marts]
    numeric_cells = 0
    for mart in marts:
        sheet = workbook[names[mart.name]]
        rows = list(sheet.iter_rows())
        # Row 1: the Dutch label a reader understands; row 2: the column's name.
        assert [cell.value for cell in rows[0]] == [
            label(name).nl for name in mart.column_names
        ]
        assert [cell.value for cell in rows[1]] == mart.column_names
        expected = database_rows(built_warehouse, mart)
        assert len(rows) - 2 == len(expected), mart.name
        for cells, values in zip(rows[2:], expected, strict=True):
            for cell, value, column in zip(cells, values, mart.columns, strict=True):
                where = f"{mart.name}.{column.name} row {cell.row}"
                if value is None:
                    assert cell.value is None, where  # empty, never 0
                elif column.field_type in ("integer", "number"):
                    assert cell.data_type == "n", where
                    assert isinstance(cell.value, int | float), where
                    # XlsxWriter writes 16 significant digits; Excel itself keeps
                    # 15, so a double differs from the mart in its last bit at most.
                    assert cell.value == pytest.approx(value, rel=1e-15), where
                    assert isinstance(value, float) or cell.value == value, where
                    assert cell.number_format != "General", where
                    numeric_cells += 1
                elif column.field_type == "date":
                    assert isinstance(cell.value, datetime), where
                    assert cell.value.date() == value, where
                else:
                    assert cell.value == value, where
    assert numeric_cells > 300


@pytest.mark.parametrize(
    ("sheet", "column", "number_format"),
    [
        ("fct_info_sessions_by_year", "participants", "#,##0"),
        ("fct_info_sessions_by_year", "participants_per_session", "#,##0.00"),
        ("fct_info_sessions_by_year", "calendar_year", "0"),
        ("fct_info_sessions_by_province", "share_of_run_participants", "0.0%"),
        (
            "fct_info_sessions_by_province",
            "participants_relative_change_over_run",
            "+0.0%;-0.0%;0.0%",
        ),
        (
            "fct_info_sessions_by_province",
            "participants_change_over_run",
            "+#,##0;-#,##0;0",
        ),
    ],
)
def test_workbook_shows_figures_by_their_unit(
    release: Path, sheet: str, column: str, number_format: str
) -> None:
    cells = openpyxl.load_workbook(release / WORKBOOK_FILE)[sheet]
    header = [cell.value for cell in cells[2]]
    values = [row[header.index(column)] for row in cells.iter_rows(min_row=3)]
    filled = [cell for cell in values if cell.value is not None]
    assert filled and all(cell.number_format == number_format for cell in filled)


def test_workbook_rows_come_in_the_order_of_time(release: Path) -> None:
    sheet = openpyxl.load_workbook(release / WORKBOOK_FILE)[
        "fct_online_activity_by_period"
    ]
    starts = [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert starts == sorted(starts) and len(starts) == 5
    first = next(sheet.iter_rows(min_row=3, values_only=True))
    assert first[0] == "nov 2015- dec 2016"


def test_workbook_prints_landscape_one_page_wide_with_its_headers(
    release: Path, marts: list[Mart]
) -> None:
    workbook = openpyxl.load_workbook(release / WORKBOOK_FILE)
    for name in sheet_names(marts).values():
        sheet = workbook[name]
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert sheet.page_setup.fitToWidth in (None, 1), name  # 1 is the default
        assert sheet.page_setup.fitToHeight == 0, name
        assert sheet.print_title_rows == "$1:$2", name
        assert sheet.freeze_panes == "A3", name


def test_workbook_read_me_sheet_has_definitions_and_caveats_in_two_languages(
    release: Path, marts: list[Mart]
) -> None:
    sheet = openpyxl.load_workbook(release / WORKBOOK_FILE)[README_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    # Columns A and B only, each row as tall as its wrapped text.
    assert max(len([c for c in row if c is not None]) for row in rows) <= 2
    assert all(row[2:] == (None,) * len(row[2:]) for row in rows)
    for number, (_, text) in enumerate(rows, start=1):
        if text and "\n" in str(text):
            lines = str(text).count("\n") + 1
            assert sheet.row_dimensions[number].height >= 15 * lines, number
    flat = " ".join(str(cell) for row in rows for cell in row if cell)
    assert "Opgelet 1 / Caveat 1" in flat
    assert "een onbekend cijfer, geen nul" in flat
    assert "an unknown figure, not a zero" in flat
    for mart in marts:
        for column in mart.columns:
            assert f"{label(column.name).nl}\n({column.name};" in flat, column.name
            assert column.description in flat, column.name
            assert (column.description_nl or "") in flat, column.name


def test_every_released_column_has_a_label(marts: list[Mart]) -> None:
    """Every released column has a Dutch and an English label and a unit; an
    unlabelled column stops the release with a sentence that names it."""
    for mart in marts:
        for column in mart.columns:
            assert label(column.name).nl and label(column.name).en
    with pytest.raises(LabelError, match="no_such_column has no label"):
        label("no_such_column")


def test_every_released_column_has_a_dutch_definition(marts: list[Mart]) -> None:
    """The read-me sheet and the data package define every column in Dutch too:
    each released column has a doc block column__<name>__nl."""
    missing = [
        f"{mart.name}.{column.name}"
        for mart in marts
        for column in mart.columns
        if not (column.description_nl or "").strip()
    ]
    assert not missing, f"no Dutch definition (column__<name>__nl): {missing}"
    assert len(marts) > 1
    # And every released mart, beside its English description, in its YAML.
    assert not [mart.name for mart in marts if not mart.description_nl]


def test_a_column_without_a_dutch_block_is_refused_naming_the_fix(
    dbt_target: Path, tmp_path: Path
) -> None:
    """One home per Dutch text: the block of the column's name. A released column
    without one stops the release, saying which block to add where."""
    manifest = json.loads((dbt_target / "manifest.json").read_text("utf-8"))
    manifest["docs"] = {
        key: block
        for key, block in manifest["docs"].items()
        if block["name"] != "column__participants__nl"
    }
    changed = tmp_path / "manifest.json"
    changed.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ReleaseContentError) as error:
        read_marts(changed)
    assert ".participants has no Dutch description" in str(error.value)
    assert "column__participants__nl to models/_columns_nl__docs.md" in str(error.value)


def test_data_package_validates_and_matches_the_contracts(
    release: Path, marts: list[Mart]
) -> None:
    report = frictionless.validate(str(release / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((release / "datapackage.json").read_text("utf-8"))
    assert descriptor["title_nl"].startswith("Het internet. Ook uw zaak.")
    assert "figures" in descriptor["title_en"]
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    resources = {resource["name"]: resource for resource in descriptor["resources"]}
    assert list(resources) == [mart.name for mart in marts]
    for mart in marts:
        fields = resources[mart.name]["schema"]["fields"]
        assert [field["name"] for field in fields] == mart.column_names
        assert all(field["description"] for field in fields), mart.name
        assert resources[mart.name]["schema"].get("primaryKey"), mart.name
        data = release / resources[mart.name]["path"]
        assert resources[mart.name]["bytes"] == data.stat().st_size
        assert resources[mart.name]["hash"] == f"sha256:{sha256_of(data)}"
    # A key of several columns, read from dbt's unique and not_null tests on one
    # expression of its columns.
    assert resources["fct_info_sessions_by_province_year"]["schema"]["primaryKey"] == [
        "province_code",
        "calendar_year",
    ]


def test_data_package_validation_fails_on_a_wrong_figure(
    release: Path, tmp_path: Path
) -> None:
    """The validation is not a formality: a count that is not a number fails it."""
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    path = copy / "data/csv/fct_info_sessions_by_year.csv"
    text = path.read_text("utf-8").replace(",89,", ",89x,", 1)
    assert ",89x," in text
    path.write_text(text, "utf-8")
    assert not frictionless.validate(str(copy / "datapackage.json")).valid


def test_checksums_cover_every_file_and_sha256sum_accepts_them(
    release: Path,
) -> None:
    listed = [
        line.split("  ", 1)[1]
        for line in (release / CHECKSUM_FILE).read_text("utf-8").splitlines()
    ]
    files = sorted(
        p.relative_to(release).as_posix()
        for p in release.rglob("*")
        if p.is_file() and p.name != CHECKSUM_FILE
    )
    assert listed == files
    result = subprocess.run(
        ["sha256sum", "--strict", "-c", CHECKSUM_FILE],
        cwd=release,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(files)


def _graph(release: Path) -> dict[str, dict[str, Any]]:
    record = json.loads((release / "dcat.jsonld").read_text("utf-8"))
    return {node["@type"]: node for node in record["@graph"]}


def _concepts(node: Any) -> list[dict[str, Any]]:
    """Every node below `node` that is typed as a SKOS concept."""
    found = []
    if isinstance(node, dict):
        types = node.get("@type", [])
        if "skos:Concept" in (types if isinstance(types, list) else [types]):
            found.append(node)
        for value in node.values():
            found += _concepts(value)
    elif isinstance(node, list):
        for value in node:
            found += _concepts(value)
    return found


def test_dcat_record_follows_dcat_ap_and_dcat_ap_vlaanderen(
    release: Path, marts: list[Mart]
) -> None:
    """The rules of DCAT-AP 3.0.1's shapes (and DCAT-AP Vlaanderen's) that this
    record is made to meet; checked against the shapes themselves with pyshacl
    when the record was designed."""
    graph = _graph(release)
    catalogue, record = graph["dcat:Catalog"], graph["dcat:CatalogRecord"]
    dataset = graph["dcat:Dataset"]
    assert catalogue["dcat:dataset"]["@id"] == dataset["@id"]
    assert catalogue["dcat:record"]["@id"] == record["@id"]
    assert record["foaf:primaryTopic"]["@id"] == dataset["@id"]
    assert dataset["dcat:landingPage"]["@id"] == "index.html"  # relative: no url
    assert {t["@language"] for t in dataset["dct:title"]} == {"nl", "en"}
    assert dataset["dct:license"]["@id"].endswith("CC_BY_4_0")
    assert "dct:source" not in dataset  # its range is a dataset; the answer is not
    assert dataset["mdcat:statuut"]["@id"].endswith("/VLOPENDATA")
    assert dataset["dct:spatial"]["@id"].endswith("/country/BEL")
    publisher = dataset["dct:publisher"]
    assert publisher["foaf:name"] == "Agentschap Innoveren & Ondernemen (VLAIO)"
    assert publisher["@id"].startswith("https://")
    assert publisher["dct:type"]["@id"].startswith(
        "http://purl.org/adms/publishertype/"
    )
    assert "vcard:hasURL" in dataset["dcat:contactPoint"]
    # Every value of a vocabulary carries its class, scheme and labels.
    for concept in _concepts(record) + _concepts(dataset) + _concepts(catalogue):
        assert concept["skos:inScheme"]["dct:title"], concept["@id"]
        assert {label["@language"] for label in concept["skos:prefLabel"]} == {
            "nl",
            "en",
        }, concept["@id"]
    downloads = {d["dcat:downloadURL"]["@id"] for d in dataset["dcat:distribution"]}
    for mart in marts:
        assert f"data/csv/{mart.name}.csv" in downloads
        assert f"data/parquet/{mart.name}.parquet" in downloads
    identifiers = set()
    sums = (release / CHECKSUM_FILE).read_text("utf-8")
    for distribution in dataset["dcat:distribution"]:
        identifiers.add(distribution["dct:identifier"])
        assert {d["@language"] for d in distribution["dct:description"]} == {
            "nl",
            "en",
        }
        assert distribution["dcatap:availability"]["@id"].endswith("/STABLE")
        checksum = distribution["spdx:checksum"]
        assert checksum["spdx:checksumValue"]["@type"] == "xsd:hexBinary"
        assert checksum["spdx:algorithm"]["@id"].startswith(
            "https://spdx.org/rdf/terms"
        )
        value = checksum["spdx:checksumValue"]["@value"]
        assert f"{value}  {distribution['dcat:downloadURL']['@id']}" in sums
    assert len(identifiers) == len(dataset["dcat:distribution"])


def test_dcat_dates_say_first_publication_and_last_change(
    release: Path, built_warehouse: Path, dbt_target: Path, tmp_path: Path
) -> None:
    first = _graph(release)["dcat:Dataset"]
    same = tmp_path / "test-release-2"
    same.mkdir()
    created = datetime.fromisoformat(first["dct:issued"]["@value"]) + timedelta(days=1)
    write_release(
        built_warehouse, same, release, dbt_target=dbt_target, created=created
    )
    unchanged = _graph(same)["dcat:Dataset"]
    assert unchanged["dct:issued"] == first["dct:issued"]
    assert unchanged["dct:modified"] == first["dct:modified"]  # no figure changed
    assert unchanged["owl:versionInfo"] == "test-release-2"


def test_citation_and_licence(release: Path) -> None:
    citation = yaml.safe_load((release / "CITATION.cff").read_text("utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == "test-release-1"
    assert citation["license"] == "CC-BY-4.0"
    assert citation["authors"][0]["name"] == "Agentschap Innoveren & Ondernemen (VLAIO)"
    assert date.fromisoformat(str(citation["date-released"]))
    licence = (release / LICENCE_FILE).read_text("utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in licence
    assert "Naamsvermelding" in licence


def test_changelog_of_the_first_release(release: Path) -> None:
    text = (release / CHANGELOG_FILE).read_text("utf-8")
    assert "First release" in text


def test_changelog_of_an_identical_rebuild_says_nothing_changed(
    release: Path, built_warehouse: Path, dbt_target: Path, tmp_path: Path
) -> None:
    second = tmp_path / "test-release-2"
    second.mkdir()
    before = _hashes(release)
    write_release(built_warehouse, second, release, dbt_target=dbt_target)
    text = (second / CHANGELOG_FILE).read_text("utf-8")
    assert "test-release-1" in text
    assert NOTHING_CHANGED in text
    assert "## " not in text
    assert _hashes(release) == before  # the previous release is only read


def test_changelog_names_the_row_and_values_of_a_changed_figure(
    release: Path, built_warehouse: Path, dbt_target: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(built_warehouse, changed)
    with duckdb.connect(str(changed)) as connection:
        connection.execute(
            "update marts.fct_programme_whole_run set metric_value = 3092 "
            "where metric = 'escans'"
        )
        connection.execute(
            "delete from marts.fct_info_sessions_by_province_year "
            "where province_code = 'VBR' and calendar_year = 2019"
        )
    third = tmp_path / "test-release-3"
    third.mkdir()
    write_release(changed, third, release, dbt_target=dbt_target)
    text = (third / CHANGELOG_FILE).read_text("utf-8")
    assert NOTHING_CHANGED not in text
    assert "## fct_programme_whole_run" in text
    assert "metric=`escans`: `metric_value` `3091` → `3092`" in text
    assert "province_code=`VBR`, calendar_year=`2019`" in text
    assert "## fct_info_sessions_by_year" not in text


def test_changelog_says_which_seed_cell_changed_and_rounds_as_the_report(
    release: Path, built_warehouse: Path, dbt_target: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(built_warehouse, changed)
    with duckdb.connect(str(changed)) as connection:
        rows = connection.execute(
            "select province_code, year, deeln from raw.answer_info_sessions"
        ).fetchall()
        line = 2 + rows.index(("LIM", 2019, 249))
        connection.execute(
            "update raw.answer_info_sessions set deeln = 250 "
            "where province_code = 'LIM' and year = 2019"
        )
        connection.execute(
            "update marts.fct_info_sessions_by_year "
            "set participants_per_session = 31.61643835616438 "
            "where calendar_year = 2019"
        )
    previous = tmp_path / "test-release-1"  # as published: with its database
    shutil.copytree(release, previous)
    shutil.copyfile(built_warehouse, previous / PUBLISHED_FILE_NAME)
    fourth = tmp_path / "test-release-4"
    fourth.mkdir()
    write_release(changed, fourth, previous, dbt_target=dbt_target)
    text = (fourth / CHANGELOG_FILE).read_text("utf-8")
    assert "## Gewijzigde brongegevens / Changed source data" in text
    assert (
        f"- `seeds/answer/answer_info_sessions.csv`, regel / line {line}: "
        "`deeln` `249` → `250`"
    ) in text
    assert "`participants_per_session` `31.60` → `31.62`" in text
    assert "31.602739726027398" not in text


def _hashes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }


TEXT_FILES = {".html", ".json", ".jsonld", ".csv", ".md", ".cff", ".txt"}


@pytest.mark.parametrize("which", ["written here", "published by the build"])
def test_release_names_no_path_of_the_machine_it_was_built_on(
    which: str, release: Path, built_warehouse: Path
) -> None:
    """The docs page embeds dbt's manifest (project root, compiled files): the
    paths in it are relative, so a release never publishes where it was built."""
    if which == "published by the build":
        release = built_warehouse.resolve().parent
    machine_paths = [
        str(built_warehouse.parent.resolve()),
        str(release.resolve()),
        tempfile.gettempdir().rstrip("/") + "/",
    ]
    checked = set()
    for path in release.rglob("*"):
        if path.is_file() and (
            path.suffix in TEXT_FILES or path.name in {"RELEASE", CHECKSUM_FILE}
        ):
            text = path.read_text(encoding="utf-8")
            for machine_path in machine_paths:
                assert machine_path not in text, (path.name, machine_path)
            checked.add(path.relative_to(release).as_posix())
    assert {"docs/index.html", "index.html", "datapackage.json"} <= checked


def test_published_docs_page_documents_every_mart_as_built(
    built_warehouse: Path,
) -> None:
    """The build's dbt process writes the page from the manifest it built with (no
    second compile) and the catalog of the database it built: every mart and every
    column is described, the columns documented are the columns built, and the
    compiled SQL is shown."""
    page = built_warehouse.resolve().parent / "docs" / "index.html"
    text = page.read_text(encoding="utf-8")
    manifest = _embedded_json(text, "manifest")
    catalog = _embedded_json(text, "catalog")
    marts = {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert len(marts) >= 10
    for node_id, node in marts.items():
        assert node["description"], f"{node['name']} has no description"
        built = {name.lower() for name in catalog["nodes"][node_id]["columns"]}
        assert built == set(node["columns"]), node["name"]
        for name, column in node["columns"].items():
            assert column["description"], f"{node['name']}.{name} has no description"
        assert node["compiled"] is True, node["name"]
        assert "{{" not in node["compiled_code"], node["name"]
    # Every column shows its Dutch description in its details (its meta), from the
    # one doc block of its name.
    by_year = marts["model.ook_uw_zaak.fct_info_sessions_by_year"]["columns"]
    dutch = manifest["docs"]["doc.ook_uw_zaak.column__participants__nl"]
    assert by_year["participants"]["meta"]["description_nl"] == " ".join(
        dutch["block_contents"].split()
    )
    assert all(
        column["meta"].get("description_nl")
        for node in marts.values()
        if node["name"] != "metricflow_time_spine"
        for column in node["columns"].values()
    )


def _embedded_json(page: str, name: str) -> dict[str, Any]:
    """One of the JSON documents that `dbt docs generate --static` embeds."""
    marker = f"{name}:{{"
    start = page.index(marker) + len(name) + 1
    value, _ = json.JSONDecoder().raw_decode(page[start:])
    return value


def test_a_build_target_without_the_docs_page_publishes_nothing(
    built_warehouse: Path, dbt_target: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    target.mkdir()
    shutil.copyfile(dbt_target / "manifest.json", target / "manifest.json")
    folder = tmp_path / "test-release-x"
    folder.mkdir()
    with pytest.raises(DocsError, match=DOCS_PAGE_NAME):
        write_release(built_warehouse, folder, None, dbt_target=target)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("publisher_iri", "javascript:alert(1)"),
        ("publisher_homepage", 'https://example.org/"><script>'),
        ("url", "ftp://example.org/releases"),
        ("email", "not an address"),
    ],
)
def test_a_publisher_value_that_is_no_url_or_address_is_refused(
    dbt_target: Path, tmp_path: Path, field: str, value: str
) -> None:
    manifest = json.loads((dbt_target / "manifest.json").read_text("utf-8"))
    exposure = next(
        e for e in manifest["exposures"].values() if e["name"] == "open_data_release"
    )
    if field == "url":
        exposure["url"] = value
    elif field == "email":
        exposure["owner"]["email"] = value
    else:
        exposure["config"]["meta"][field] = value
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(ReleaseContentError, match="_release__exposures.yml"):
        read_publisher(path)


def test_the_repository_citation_names_the_release_publisher(dbt_target: Path) -> None:
    citation = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text("utf-8"))
    publisher = read_publisher(dbt_target / "manifest.json")
    assert citation["authors"][0]["name"] == publisher.name
    assert citation["authors"][0]["website"] == publisher.homepage


class _Scripts(html.parser.HTMLParser):
    """The script elements of a page as a browser's HTML parser finds them."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inside = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "script":
            self._inside = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = self._inside and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.scripts[-1] += data


HOSTILE = '</script><script>alert("from a description")</script><!--<script>'


def test_a_description_cannot_add_a_script_to_the_docs_page(tmp_path: Path) -> None:
    """dbt pastes its manifest into the page as it is (`dbt docs generate
    --static`): the release's copy holds the same data, and a description holding
    `</script>` neither ends the page's script nor starts one of its own."""
    from dbt.task.docs import DOCS_INDEX_FILE_PATH  # the page dbt fills in

    template = Path(DOCS_INDEX_FILE_PATH).read_text(encoding="utf-8")
    manifest = json.dumps({"nodes": {"model.x": {"description": HOSTILE}}})
    catalog = json.dumps({"nodes": {}, "note": "a & b > c"})
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(manifest, encoding="utf-8")
    (target / "catalog.json").write_text(catalog, encoding="utf-8")
    as_dbt_writes_it = template.replace(
        '"MANIFEST.JSON INLINE DATA"', manifest
    ).replace('"CATALOG.JSON INLINE DATA"', catalog)
    (target / DOCS_PAGE_NAME).write_text(as_dbt_writes_it, encoding="utf-8")
    scripts = len(_Scripts(template).scripts)
    assert len(_Scripts(as_dbt_writes_it).scripts) > scripts  # what dbt writes

    page = copy_docs_page(target, tmp_path / "release")

    assert page == tmp_path / "release" / DOCS_PAGE
    text = page.read_text(encoding="utf-8")
    assert len(_Scripts(text).scripts) == scripts
    assert "<script>alert" not in text and "</script><script>" not in text
    assert _embedded_json(text, "manifest") == json.loads(manifest)
    assert _embedded_json(text, "catalog") == json.loads(catalog)


def test_a_dutch_column_text_cannot_add_a_script_to_the_docs_page(
    tmp_path: Path,
) -> None:
    """The page shows each column's Dutch doc block in its details: a block holding
    `</script>` arrives there as data, never as a tag."""
    from dbt.task.docs import DOCS_INDEX_FILE_PATH  # the page dbt fills in

    template = Path(DOCS_INDEX_FILE_PATH).read_text(encoding="utf-8")
    manifest = json.dumps(
        {
            "nodes": {
                "model.x": {
                    "resource_type": "model",
                    "columns": {"n": {"name": "n", "meta": {}}},
                }
            },
            "docs": {
                "doc.x.column__n__nl": {
                    "name": "column__n__nl",
                    "block_contents": HOSTILE,
                }
            },
        }
    )
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(manifest, encoding="utf-8")
    catalog = json.dumps({"nodes": {}, "note": "Dutch column texts"})
    (target / "catalog.json").write_text(catalog, encoding="utf-8")
    page = template.replace('"MANIFEST.JSON INLINE DATA"', manifest).replace(
        '"CATALOG.JSON INLINE DATA"', catalog
    )
    (target / DOCS_PAGE_NAME).write_text(page, encoding="utf-8")

    text = copy_docs_page(target, tmp_path / "release").read_text(encoding="utf-8")

    assert len(_Scripts(text).scripts) == len(_Scripts(template).scripts)
    assert "<script>alert" not in text and "</script><script>" not in text
    shown = _embedded_json(text, "manifest")["nodes"]["model.x"]["columns"]["n"]
    assert shown["meta"]["description_nl"] == " ".join(HOSTILE.split())


# Values that would forge Markdown if quoted as they are: a heading and a list item
# on lines of their own, raw HTML, backticks that close a code span, a NUL byte.
HOSTILE_VALUES = (
    "85\n\n## fct_forged\n\n- gewijzigd / changed: `deeln` 85 → 999",
    '<img src=x onerror="alert(1)">',
    "`` ` `x",
    "a\x00b\r\n<b>",
)


def _write_csv(release: Path, name: str, rows: list[tuple[str, str]]) -> None:
    folder = release / "data" / "csv"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("key", "text"), *rows])


def test_changelog_quotes_every_value_so_that_none_forges_markdown(
    tmp_path: Path,
) -> None:
    previous, release = tmp_path / "previous", tmp_path / "release"
    _write_csv(previous, "fct_x", [(str(i), "old") for i in range(4)])
    _write_csv(previous, "<em>gone", [("1", "old")])
    _write_csv(release, "fct_x", [(str(i), v) for i, v in enumerate(HOSTILE_VALUES)])
    column = Column("text", "varchar", "", None, False)
    mart = Mart("fct_x", "marts", "", "", (column,), ("key",), ())

    text = write_changelog(release, previous, [mart], "r2").read_text("utf-8")

    tokens = markdown_it.MarkdownIt("commonmark").parse(text)
    headings = [t.map for t in tokens if t.type == "heading_open"]
    assert len(headings) == 3, text  # the title and the two tables' sections
    assert "## fct\\_x" not in text and "## fct_x\n" in text
    assert "## \\<em\\>gone\n" in text
    assert [t.type for t in tokens if "html" in t.type] == []
    inline = [t for t in tokens if t.type == "inline"]
    assert not any(c.type == "html_inline" for t in inline for c in t.children or [])
    items = [t for t in tokens if t.type == "list_item_open"]
    assert len(items) == len(HOSTILE_VALUES) + 1  # each value, the removed table
    shown = [
        child.content
        for token in inline
        for child in token.children or []
        if child.type == "code_inline"
        and child.content not in {"text", "old", "0", "1", "2", "3"}  # names, keys
    ]
    visible = {"\n": "\u240a", "\r": "\u240d", "\x00": "\u2400"}
    assert shown == ["".join(visible.get(c, c) for c in v) for v in HOSTILE_VALUES]
