"""The chart report: `ook-uw-zaak report` renders the published warehouse (built in a
temporary copy) into one HTML page that needs no network, shows the pending years as
gaps, and draws every chart in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from ook_uw_zaak.cli import main
from ook_uw_zaak.report import REPORT_FILE_NAME

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
CHROMIUM = "/usr/bin/chromium"

# Run in the page after it loaded: write each chart's drawn size into the DOM.
MEASURE_CHARTS = """<script>
const charts = [...document.querySelectorAll("svg.chart")].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {id: svg.id, width: box.width, height: box.height,
          marks: svg.querySelectorAll("rect, circle").length};
});
const out = document.createElement("pre");
out.id = "chart-sizes";
out.textContent = JSON.stringify(charts);
document.body.appendChild(out);
</script>"""


@pytest.fixture(scope="module")
def report(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("report")
    arguments = ["report", "--database", str(built_warehouse), "--output", str(output)]
    assert main(arguments) == 0
    return output / REPORT_FILE_NAME


def _svg(page: str, chart_id: str) -> str:
    found = re.search(rf'<svg id="{chart_id}".*?</svg>', page, re.DOTALL)
    assert found, f"no chart {chart_id} in the report"
    return found.group(0)


def test_a_missing_warehouse_says_to_build_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "ook_uw_zaak.duckdb"
    arguments = ["report", "--database", str(missing), "--output", str(tmp_path)]
    assert main(arguments) == 1
    assert "run `make build` first" in capsys.readouterr().err
    assert not (tmp_path / REPORT_FILE_NAME).exists()


def test_the_page_needs_no_network(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    for loads_something in ("<script", "<link", "<img", "<iframe", "src=", "@import"):
        assert loads_something not in page
    # The only address is the SVG namespace, which names and fetches nothing.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {
        "http://www.w3.org/2000/svg"
    }


def test_every_chart_is_in_the_page(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert set(re.findall(r'<svg id="([^"]+)" class="chart"', page)) == CHARTS


def test_pending_years_are_gaps_not_zero(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    for chart_id in INFO_SESSION_CHARTS:
        svg = _svg(page, chart_id)
        # 2020 and 2021 are hatched gaps labelled pending, with no bar of their own.
        assert svg.count('class="gap"') == 2, chart_id
        assert "pending" in svg
        assert not re.search(r"<title>[^<]*, 202[01]: ", svg), chart_id


def test_the_bars_carry_the_answers_figures(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "West Flanders (WVL), 2019: 1,195</title>" in _svg(
        page, "chart-participants"
    )
    printed = "Flanders, as the answer's row “tot” prints it: 2,822 in 2018; 2,307"
    assert printed in html.unescape(page)
    online = _svg(page, "chart-escans-per-month")
    assert "1,138 in 14 months" in online  # the first period, not normalised away


@pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"Chromium is not installed ({CHROMIUM}; .ci/install-chromium installs it)",
)
def test_chromium_draws_every_chart(report: Path, tmp_path: Path) -> None:
    page = tmp_path / "measured.html"
    page.write_text(
        report.read_text(encoding="utf-8").replace(
            "</body>", MEASURE_CHARTS + "</body>"
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
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
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r'<pre id="chart-sizes">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, f"Chromium did not render the page:\n{result.stderr[-3000:]}"
    charts = {chart["id"]: chart for chart in json.loads(html.unescape(found.group(1)))}
    assert set(charts) == CHARTS
    for chart_id, chart in charts.items():
        assert chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["marks"] > 0, f"{chart_id} has nothing drawn in it"
