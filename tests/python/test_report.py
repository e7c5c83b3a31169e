"""The report in Dutch and English and the release's index page, as the build
writes them into the release it publishes (built once, in a temporary copy): they
need no network, draw every chart (in headless Chromium), link only files the release
holds, write numbers and dates the way each language does, and show the pending
years as gaps, never as zero."""

from __future__ import annotations

import html
import json
import re
import shutil
import stat
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from ook_uw_zaak import report
from ook_uw_zaak.cli import main
from ook_uw_zaak.project import PUBLISHED_FILE_NAME
from ook_uw_zaak.report import (
    INDEX_FILE_NAME,
    LANGUAGES,
    report_file,
    write_report_pages,
)
from ook_uw_zaak.report.i18n import catalogue_path

CHARTS = {
    "chart-sessions",
    "chart-participants",
    "chart-participants-per-session",
    "chart-participants-per-100000-inhabitants",
    "chart-escans-per-month",
    "chart-website-visitors-per-month",
    "chart-escans-per-1000-website-visitors",
    "chart-timeline",
}
INFO_SESSION_CHARTS = [
    "chart-sessions",
    "chart-participants",
    "chart-participants-per-session",
    "chart-participants-per-100000-inhabitants",
]
REPORT_PACKAGE = Path(__file__).resolve().parents[2] / "src/ook_uw_zaak/report"
CHROMIUM = "/usr/bin/chromium"
# The widths the pages are checked at: a desktop window and a phone.
WIDTHS = (1280, 400)

# Run in the page after it loaded: each chart's drawn size, every link's address
# (resolved by the browser) and whether an in-page link finds its target.
MEASURE = """<script>
const charts = [...document.querySelectorAll("svg.chart")].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {id: svg.id, width: box.width, height: box.height,
          marks: svg.querySelectorAll("rect, circle").length};
});
const links = [...document.querySelectorAll("a[href]")].map((a) => ({
  href: a.href,
  inPage: a.getAttribute("href").startsWith("#"),
  found: !a.getAttribute("href").startsWith("#")
    || document.getElementById(a.getAttribute("href").slice(1)) !== null,
}));
// The smallest chart text as drawn: its font size times the chart's scale.
const chartText = [...document.querySelectorAll("svg.chart text")].map((text) =>
  parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a);
const cells = [...document.querySelectorAll("th, td")].map((cell) => {
  const style = getComputedStyle(cell);
  return style.overflowWrap + " " + style.wordBreak + " " + style.hyphens;
});
const layout = {
  lang: document.documentElement.lang,
  width: window.innerWidth,
  height: document.documentElement.scrollHeight,
  pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
  smallestChartText: chartText.length ? Math.min(...chartText) : null,
  cellStyles: [...new Set(cells)],
};
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify({charts, links, layout});
document.body.appendChild(out);
</script>"""


@pytest.fixture(scope="module")
def release(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the release the build published: every file of the release, with
    the pages the build wrote into it (it calls write_report_pages before the
    checksums). A writable copy, so that a test can put a measured copy of a page
    beside it; the published release is read-only."""
    published = built_warehouse.resolve().parent
    assert (published / INDEX_FILE_NAME).is_file(), (
        f"the build wrote no report pages into its release {published.name}"
    )
    copy = tmp_path_factory.mktemp("releases") / published.name
    shutil.copytree(published, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return copy


def _page_file(release: Path, name: str) -> Path:
    """The index ("index") or the report in a language."""
    return release / INDEX_FILE_NAME if name == "index" else report_file(release, name)


def _page(release: Path, name: str) -> str:
    return _page_file(release, name).read_text(encoding="utf-8")


def _svg(page: str, chart_id: str) -> str:
    found = re.search(rf'<svg id="{chart_id}".*?</svg>', page, re.DOTALL)
    assert found, f"no chart {chart_id} in the report"
    return found.group(0)


def _table(page: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}".*?</table>', page, re.DOTALL)
    assert found, f"no table {table_id} in the report"
    return found.group(0)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def _hrefs(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.hrefs


def test_the_pages_are_where_the_release_expects_them(release: Path) -> None:
    for language in LANGUAGES:
        assert report_file(release, language) == release / "report" / f"{language}.html"
        assert report_file(release, language).is_file()
    assert (release / "index.html").is_file()
    assert '<html lang="nl">' in _page(release, "nl")
    assert '<html lang="en">' in _page(release, "en")
    assert f"Release <code>{release.name}</code>" in _page(release, "index")
    # The checksums, written after the pages, cover them.
    checksummed = (release / "SHA256SUMS").read_text(encoding="utf-8")
    for page in ("index.html", "report/nl.html", "report/en.html"):
        assert re.search(rf"^[0-9a-f]{{64}}  {re.escape(page)}$", checksummed, re.M)


@pytest.mark.parametrize("name", [*LANGUAGES, "index"])
def test_the_pages_need_no_network(release: Path, name: str) -> None:
    page = _page(release, name)
    for loads_something in ("<script", "<link", "<img", "<iframe", "src=", "@import"):
        assert loads_something not in page
    # No attribute points elsewhere: the only address in one is the SVG namespace,
    # which names and fetches nothing. (An address written out as text, such as
    # the licence's, is read, not followed.)
    assert set(re.findall(r"=\"(https?://[^\"]+)\"", page)) <= {
        "http://www.w3.org/2000/svg"
    }


@pytest.mark.parametrize(
    ("language", "values", "months"),
    [
        (
            "nl",
            ["162", "5.129", "31,7", "3.091", "176.260", "17,5", "49,9", "2.842,9"],
            "(62 maanden)",
        ),
        (
            "en",
            ["162", "5,129", "31.7", "3,091", "176,260", "17.5", "49.9", "2,842.9"],
            "(62 months)",
        ),
    ],
)
def test_the_first_screen_shows_the_whole_run(
    release: Path, language: str, values: list[str], months: str
) -> None:
    """The mart fct_programme_whole_run, in its order, before the first chart: the
    info sessions over the reported years with 2020 and 2021 pending, the online
    activity over the 62 months from November 2015 to December 2020."""
    page = _page(release, language)
    found = re.search(r'<section id="whole-run">.*?</section>', page, re.DOTALL)
    assert found and page.index('id="whole-run"') < page.index("<svg")
    section = html.unescape(found.group(0))
    assert re.findall(r'<span class="value">([^<]+)</span>', section) == values
    assert section.count("2018–2019") == 3 and section.count("2020, 2021") == 3
    assert section.count(months) == 5
    assert 'href="../data/csv/fct_programme_whole_run.csv"' in section


def test_a_warehouse_without_the_whole_run_mart_says_so(
    built_warehouse: Path, tmp_path: Path
) -> None:
    """A file published before the whole-run mart existed still renders, and its
    first screen says why the figures are missing instead of showing any."""
    older = tmp_path / "older" / "ook_uw_zaak.duckdb"
    older.parent.mkdir()
    shutil.copyfile(built_warehouse, older)
    with duckdb.connect(str(older)) as connection:
        connection.execute("drop table marts.fct_programme_whole_run")
    write_report_pages(older, older.parent)
    page = html.unescape(_page(older.parent, "en"))
    assert "published before the whole-run figures existed" in page
    assert 'class="headlines"' not in page
    assert set(re.findall(r'<svg id="([^"]+)" class="chart"', page)) == CHARTS


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chart_has_its_data_and_its_csv(release: Path, language: str) -> None:
    page = _page(release, language)
    assert set(re.findall(r'<svg id="([^"]+)" class="chart"', page)) == CHARTS
    figures = re.findall(r"<figure>.*?</figure>", page, re.DOTALL)
    assert len(figures) == len(CHARTS)
    for figure in figures:
        assert "<table id=" in figure
        csv_links = re.findall(r'href="(\.\./data/csv/[a-z0-9_]+\.csv)"', figure)
        assert csv_links, figure[:200]
        for link in csv_links:
            # A real mart of the warehouse: the release holds its CSV.
            assert (release / "report" / link).resolve().is_file(), link


@pytest.mark.parametrize(
    ("language", "pending", "west_flanders", "flanders_2018", "first_period"),
    [
        ("nl", "in afwachting", "West-Vlaanderen (WVL)", "2.822 in 2018", "14 maanden"),
        ("en", "pending", "West Flanders (WVL)", "2,822 in 2018", "14 months"),
    ],
)
def test_numbers_and_dates_are_written_as_the_language_writes_them(
    release: Path,
    language: str,
    pending: str,
    west_flanders: str,
    flanders_2018: str,
    first_period: str,
) -> None:
    page = html.unescape(_page(release, language))
    thousands, decimal = (".", ",") if language == "nl" else (",", ".")
    participants = _svg(page, "chart-participants")
    assert f"<title>{west_flanders}, 2019: 1{thousands}195</title>" in participants
    assert f"{flanders_2018}; 2{thousands}307 in 2019" in page
    # The figures in the chart's table, not only in its bars.
    table = _table(page, "table-participants")
    assert f'<td class="number">1{thousands}195</td>' in table
    # Flanders, 2018: 2,822 participants in 89 sessions.
    per_session = _table(page, "table-participants-per-session")
    assert f'<td class="number">31{decimal}7</td>' in per_session
    assert f"1{thousands}138 in {first_period}" in _svg(page, "chart-escans-per-month")
    day = "4 september 2020" if language == "nl" else "4 September 2020"
    assert day in _svg(page, "chart-timeline")
    assert day in _table(page, "table-timeline")
    assert pending in _svg(page, "chart-sessions")


@pytest.mark.parametrize("language", LANGUAGES)
def test_pending_years_are_gaps_not_zero(release: Path, language: str) -> None:
    page = _page(release, language)
    for chart_id in INFO_SESSION_CHARTS:
        svg = _svg(page, chart_id)
        # 2020 and 2021 are hatched gaps, with no bar of their own.
        assert svg.count('class="gap"') == 2, chart_id
        assert not re.search(r"<title>[^<]*, 202[01]: ", svg), chart_id
        table = _table(page, "table-" + chart_id.removeprefix("chart-"))
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            # The province, 2018, 2019, then 2020 and 2021: missing, never 0.
            assert len(cells) == 5
            assert all(cell not in ("0", "0,0", "0.0") for cell in cells[3:]), row
            assert row.count('class="missing"') == 2, row


def test_the_dutch_page_has_no_english_left(release: Path) -> None:
    """Every word the report writes itself is translated: the English words of the
    page's frame do not appear on the Dutch page."""
    page = html.unescape(_page(release, "nl"))
    for english in (
        "Source:",
        "not yet reported",
        "Hatched",
        "The chart's data",
        "Download the data",
        "12 months",
    ):
        assert english not in page
    assert "Bron:" in page and "De gegevens van de grafiek" in page


def _body_text(page: str) -> str:
    """What a reader sees of a page: its text, without markup, scripts or styles."""
    page = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_table_or_column_name_in_the_body(release: Path, language: str) -> None:
    """The warehouse's names belong in the documentation, not in what a reader
    reads: no mart name and no column name (snake_case) in a page's text."""
    text = _body_text(_page(release, language))
    with duckdb.connect(str(release / PUBLISHED_FILE_NAME), read_only=True) as db:
        names = {
            name
            for (name,) in db.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "union select column_name from duckdb_columns() "
                "where schema_name = 'marts'"
            ).fetchall()
            if "_" in name
        }
    shown = sorted(name for name in names if re.search(rf"\b{name}\b", text))
    assert not shown, shown


def test_the_dutch_page_shows_no_english_data_text(release: Path) -> None:
    """A text that the marts hold in English and in Dutch (<column> and
    <column>_nl) appears on the Dutch page in Dutch only."""
    text = _body_text(_page(release, "nl"))
    with duckdb.connect(str(release / PUBLISHED_FILE_NAME), read_only=True) as db:
        pairs = db.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'marts' and column_name like '%\\_nl' escape '\\'"
        ).fetchall()
        english: set[str] = set()
        for table, dutch_column in pairs:
            column = dutch_column.removesuffix("_nl")
            found = db.execute(
                "select column_name from duckdb_columns() where schema_name = 'marts'"
                " and table_name = ? and column_name = ?",
                [table, column],
            ).fetchone()
            if found and column not in ("label", "unit", "description"):
                english |= {
                    value.split(". ")[0]
                    for (value,) in db.execute(
                        f'select distinct "{column}" from marts."{table}"'
                    ).fetchall()
                    if isinstance(value, str) and len(value) > 12
                }
    assert english, "the marts hold no English text with a Dutch twin"
    left = sorted(value for value in english if value in text)
    assert not left, left


def test_the_index_says_when_what_and_how_to_cite(release: Path) -> None:
    page = (release / INDEX_FILE_NAME).read_text("utf-8")
    text = _body_text(page)
    assert re.search(r"Gepubliceerd op \d{1,2} [a-z]+ \d{4}\.", text)
    assert re.search(r"Published on \d{1,2} [A-Z][a-z]+ \d{4}\.", text)
    assert "5.129 deelnemers" in text and "5,129 participants" in text
    assert "Het project in één oogopslag" in text
    assert 'href="LICENSE-data.txt" rel="license"' in page  # the full text, offline
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in text
    assert "https://creativecommons.org/licenses/by/4.0/" in text
    assert "Vermeld de bron" in text and "Name the source" in text


def test_the_dutch_catalogue_translates_every_word() -> None:
    """Each word of the templates and the code has a checked Dutch translation whose
    placeholders match the English ones (Babel's own checks)."""
    # The extraction `make translations` runs: the same mapping file.
    with (REPORT_PACKAGE / "babel.cfg").open(encoding="utf-8") as mapping_file:
        method_map, options = parse_mapping_cfg(mapping_file)
    extracted = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            REPORT_PACKAGE, method_map, options_map=options
        )
    }
    assert len(extracted) > 100
    with (REPORT_PACKAGE / catalogue_path("nl")).open("rb") as po_file:
        catalogue = read_po(po_file, locale="nl_BE")
    translated = {
        message.id: message
        for message in catalogue
        if message.id and message.string and not message.fuzzy
    }
    missing = sorted(str(message) for message in extracted if message not in translated)
    assert not missing, f"translate these in the Dutch catalogue: {missing}"
    problems = [(message.id, errors) for message, errors in catalogue.check()]
    assert not problems, problems


def test_the_index_links_only_what_the_release_holds(
    built_warehouse: Path, tmp_path: Path
) -> None:
    """A release without Parquet files, workbook or metadata: the index links the
    reports, the DuckDB file and the CSVs it does hold, and nothing else but the
    checksums, which the release's build writes last, over these pages too."""
    release = tmp_path / "release"
    release.mkdir()
    shutil.copyfile(built_warehouse, release / "ook_uw_zaak.duckdb")
    (release / "data" / "csv").mkdir(parents=True)
    (release / "data" / "csv" / "dim_province.csv").write_text("stand-in\n")
    write_report_pages(release / "ook_uw_zaak.duckdb", release)
    hrefs = _hrefs(_page(release, "index"))
    files = {href for href in hrefs if not href.startswith("#")}
    assert files == {
        "report/nl.html",
        "report/en.html",
        "ook_uw_zaak.duckdb",
        "data/csv/dim_province.csv",
        "SHA256SUMS",
    }


def test_the_report_command_links_the_release_it_reads(
    release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ook-uw-zaak report` on a file published in a release folder writes the pages
    elsewhere, with links into that release that resolve."""
    output = tmp_path / "reports"
    database = release / "ook_uw_zaak.duckdb"
    assert main(["report", "--database", str(database), "--output", str(output)]) == 0
    assert "open" in capsys.readouterr().out
    for name in ("nl", "en"):
        page = report_file(output, name)
        hrefs = [href for href in _hrefs(page.read_text()) if not href.startswith("#")]
        assert any("/data/csv/" in href for href in hrefs)
        for href in hrefs:
            assert (page.parent / href).resolve().is_file(), href
    index_hrefs = _hrefs((output / "index.html").read_text())
    assert "report/nl.html" in index_hrefs
    for href in index_hrefs:
        if not href.startswith("#"):
            assert (output / href).resolve().is_file(), href


def test_the_readme_recipe_writes_the_three_pages(
    built_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ook-uw-zaak report` with no options, at the root of a built project, as the
    README says: reports/index.html and the report in both languages."""
    monkeypatch.chdir(built_warehouse.parent)
    assert main(["report"]) == 0
    reports = built_warehouse.parent / "reports"
    assert (reports / "index.html").is_file()
    for language in LANGUAGES:
        assert (reports / "report" / f"{language}.html").is_file()
    assert {"report/nl.html", "report/en.html"} <= set(
        _hrefs((reports / "index.html").read_text(encoding="utf-8"))
    )


def test_the_report_command_never_writes_into_a_published_release(
    release: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {path: path.read_bytes() for path in release.rglob("*") if path.is_file()}
    database = release / "ook_uw_zaak.duckdb"
    for output in (release, release / "report"):
        arguments = ["report", "--database", str(database), "--output", str(output)]
        assert main(arguments) == 1
        assert "never written after it is published" in capsys.readouterr().err
    after = {path: path.read_bytes() for path in release.rglob("*") if path.is_file()}
    assert after == before


def test_a_missing_warehouse_says_to_build_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "ook_uw_zaak.duckdb"
    arguments = ["report", "--database", str(missing), "--output", str(tmp_path)]
    assert main(arguments) == 1
    assert "run `make build` first" in capsys.readouterr().err
    assert not (tmp_path / "index.html").exists()


# Chromium's window is at least 500 pixels wide: a narrower screen is a frame of
# that width in a page around it, which copies out what was measured inside.
NARROW_FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{page}" style="width:{width}px;height:900px;border:0"></iframe>
<script>
window.addEventListener("load", () => {{
  const inner = document.querySelector("iframe").contentDocument;
  document.body.appendChild(inner.getElementById("measured").cloneNode(true));
}});
</script></body></html>"""


def _at_width(page: Path, width: int) -> Path:
    """The file to open so that `page` is laid out `width` pixels wide."""
    if width >= 500:
        return page
    frame = page.with_name(f".frame-{width}-{page.name}")
    frame.write_text(NARROW_FRAME.format(page=page.name, width=width), "utf-8")
    return frame


def _chromium(page: Path, profile: Path, width: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            f"--window-size={max(width, 500)},900",
            # The narrow frame reads the page it holds (file: URLs are otherwise
            # each an origin of their own).
            "--allow-file-access-from-files",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # No name resolves: a page that needed the network would show it.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--dump-dom",
            _at_width(page, width).as_uri(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def drawn(release: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each page as headless Chromium drew it: one run per page, side by side. The
    measured copy of a page sits beside it, so its relative links are the page's."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium is not installed ({CHROMIUM}; .ci/install-chromium)")
    profiles = tmp_path_factory.mktemp("chromium")
    runs = {}
    for name in [*LANGUAGES, "index"]:
        page = _page_file(release, name)
        measured = page.with_name(f".measured-{page.name}")
        measured.write_text(
            page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"),
            encoding="utf-8",
        )
        for width in WIDTHS:
            key = name if width == WIDTHS[0] else f"{name}@{width}"
            runs[key] = (measured, _chromium(measured, profiles / key, width))
    results = {}
    for key, (_measured, run) in runs.items():
        stdout, stderr = run.communicate(timeout=120)
        found = re.search(r'<pre id="measured">(.*?)</pre>', stdout, re.DOTALL)
        assert found, f"Chromium did not render {key}:\n{stderr[-3000:]}"
        results[key] = json.loads(html.unescape(found.group(1)))
    for measured, _ in runs.values():
        measured.unlink(missing_ok=True)
        for frame in measured.parent.glob(f".frame-*-{measured.name}"):
            frame.unlink()
    return results


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [*LANGUAGES, "index"])
def test_every_page_reads_at_desktop_and_phone_width(
    drawn: dict[str, dict], name: str, width: int
) -> None:
    """At 1280 and at 400 CSS pixels: the language is set for hyphenation, no word
    breaks except at a hyphen, nothing but a wide table or chart scrolls (in its
    own box, never the page), chart text stays at least 11px, and the page keeps a
    reasonable length."""
    layout = drawn[name if width == WIDTHS[0] else f"{name}@{width}"]["layout"]
    assert layout["width"] == width
    assert layout["lang"] == ("nl" if name == "index" else name)
    assert layout["pageOverflow"] <= 0, layout
    for style in layout["cellStyles"]:
        assert style.split()[:2] == ["normal", "normal"], style  # no mid-word break
        assert style.split()[2] == "auto", style
    if name != "index":
        assert layout["smallestChartText"] >= 11, layout
    assert layout["height"] < (20000 if width < 600 else 15000), layout


@pytest.mark.parametrize("name", [*LANGUAGES, "index"])
def test_chromium_draws_every_chart_and_every_link_resolves(
    drawn: dict[str, dict], release: Path, name: str
) -> None:
    charts = {chart["id"]: chart for chart in drawn[name]["charts"]}
    assert set(charts) == (set() if name == "index" else CHARTS)
    for chart_id, chart in charts.items():
        assert chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["marks"] > 0, f"{chart_id} has nothing drawn in it"
    links = drawn[name]["links"]
    assert len(links) > (10 if name == "index" else 5)
    for link in links:
        address = urlparse(link["href"])
        assert address.scheme == "file", link
        if link["inPage"]:
            assert link["found"], link
            continue
        target = Path(unquote(address.path)).resolve()
        assert target.is_file(), link
        assert target.is_relative_to(release.resolve()), link
    if name == "index":
        linked = {
            Path(unquote(urlparse(link["href"]).path)).resolve()
            for link in links
            if not link["inPage"]
        }
        # Every file of the release is on its index, except the index itself.
        held = {
            path.resolve()
            for path in release.rglob("*")
            if path.is_file() and path != release / INDEX_FILE_NAME
        }
        assert held - linked == set()


def test_languages_rendered_side_by_side_give_the_same_pages(
    built_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large warehouse renders the last language in a process of its own, beside
    the first: the pages are the same as when rendered one after the other."""
    one_after_the_other, side_by_side = tmp_path / "sequential", tmp_path / "parallel"
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)  # any machine
    for folder, from_rows in ((one_after_the_other, 10**9), (side_by_side, 0)):
        folder.mkdir()
        monkeypatch.setattr(report, "PARALLEL_FROM_ROWS", from_rows)
        write_report_pages(built_warehouse, folder)
    pages = sorted(p.relative_to(side_by_side) for p in side_by_side.rglob("*.html"))
    assert [str(p) for p in pages] == ["index.html", "report/en.html", "report/nl.html"]
    for page in pages:
        assert (side_by_side / page).read_bytes() == (
            one_after_the_other / page
        ).read_bytes(), page
