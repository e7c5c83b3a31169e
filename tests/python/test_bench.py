"""The benchmark (`make bench`, benchmarks/): its synthetic seeds pass the build's
own seed tests (the sum-to-total rule included), and one quick run of a tiny
configuration prints every figure. No timing is asserted: the figures depend on
the machine."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from benchmarks import bench, synthetic
from benchmarks.measure import Measurement
from conftest import REPO_ROOT
from ook_uw_zaak.seeds.checks import check_seeds

BENCH_TIMEOUT_SECONDS = 600


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _environment() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k != "OOK_UW_ZAAK_DUCKDB_PATH" and not k.startswith("DBT_")
    }


def test_synthetic_seeds_at_100_times_keep_every_total(
    project_copy: Path, tmp_path: Path
) -> None:
    written = synthetic.write_synthetic_seeds(project_copy, 100)

    assert check_seeds(project_copy) == []  # the pre-flight checks accept them
    # The seeds' own dbt tests (sums_to_published_total, periods, provinces, ...)
    # pass: the benchmark's inputs are held to the same rule as the published ones.
    seeds = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build"]
        + ["--select", "resource_type:seed"],
        cwd=project_copy,
        env=_environment() | {"OOK_UW_ZAAK_DUCKDB_PATH": str(tmp_path / "s.duckdb")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert seeds.returncode == 0, seeds.stdout[-3000:]
    assert "sums_to_published_total" in seeds.stdout
    assert written.rows[synthetic.INFO_SESSIONS] == 100 * 10
    assert written.rows[synthetic.INFO_SESSION_TOTALS] == 100 * 2
    assert written.rows[synthetic.ESCANS] == 100 * 5
    assert written.rows[synthetic.VISITORS] == 100 * 5

    # Hand-checked here too: the parts add up to the totals rows, and the periods
    # follow each other day after day.
    sessions = _rows(project_copy / synthetic.INFO_SESSIONS)
    for total in _rows(project_copy / synthetic.INFO_SESSION_TOTALS):
        parts = [r for r in sessions if r["year"] == total["year"]]
        assert len(parts) == 5
        assert sum(int(r["sess"]) for r in parts) == int(total["sess"])
        assert sum(int(r["deeln"]) for r in parts) == int(total["deeln"])
    for parts_file, total_file, column in (
        (synthetic.ESCANS, synthetic.ESCAN_TOTALS, "e_scans"),
        (synthetic.VISITORS, synthetic.VISITOR_TOTALS, "bezoekers"),
    ):
        periods = sorted(_rows(project_copy / parts_file), key=lambda r: r["first_day"])
        (total,) = _rows(project_copy / total_file)
        assert sum(int(r[column]) for r in periods) == int(total[column])
        for previous, current in zip(periods, periods[1:], strict=False):
            day_after = date.fromisoformat(previous["last_day"]) + timedelta(days=1)
            assert current["first_day"] == day_after.isoformat()


def test_synthetic_periods_stop_at_the_last_day_a_date_can_hold(
    project_copy: Path,
) -> None:
    written = synthetic.write_synthetic_seeds(project_copy, 10_000)

    periods = _rows(project_copy / synthetic.ESCANS)
    assert periods[-1]["last_day"] == "9999-12-31"
    assert written.rows[synthetic.ESCANS] == len(periods) < 10_000 * 5
    assert written.rows[synthetic.INFO_SESSIONS] == 10_000 * 10


# Every figure line of the report, with the figures it must show.
_SECONDS = r"[\d,]+\.\d\d s"
_BUILD = rf"{_SECONDS}  CPU [\d,]+\.\d s  peak [\d,]+ MB"
_VERDICT = r"target (at most|under) [\d.]+x?( MB)?: (met|missed)"
REPORT_LINES = [
    r"Benchmark of the build: median of 1 run\(s\).*",
    r"Machine: \d+ cores, .*",
    r"Software: Python .*, dbt-core .*, dbt-duckdb .*, DuckDB .*",
    r"The publishing build is `python -m ook_uw_zaak.cli build`.*",
    rf"  full build \(make build\), fresh copy +{_BUILD}",
    rf"  dbt floor, one `select 1` model +{_BUILD}",
    rf"  ratio full build / dbt floor +[\d.]+x  {_VERDICT}",
    rf"  build with nothing changed \(reused\) +{_BUILD}",
    rf"  ratio nothing-changed build / dbt floor +[\d.]+x  {_VERDICT}",
    r"  rebuilds \(parse cache\) +not measured \(--quick\)",
    r"  full build, by step \(median\) +start-up [\d.]+ s; pre-flight .* s",
    r"  dbt build, whole process +not measured \(--quick: the nodes of the "
    r"publishing build\)",
    rf"  nodes in dbt \(sum over \d+ nodes\) +{_SECONDS}",
    # The replay ran every node's SQL and no data test found a row: it is the
    # same work as the build's.
    rf"  same SQL directly in DuckDB \(\d+ nodes\) +{_SECONDS}  tests finding rows: 0",
    r"  ratio nodes in dbt / DuckDB +[\d.]+x",
    r"  dbt's own time per node +-?[\d.]+ ms",
    rf"  1x the published rows \([\d,]+ seed rows\) +{_BUILD}",
    rf"  peak memory, largest at any size +[\d,]+ MB  {_VERDICT}  "
    r"\(largest single process: [\d,]+ MB\)",
    r"  rows at 1x: as published",
    r"  the benchmark itself took +\d+ s  target under 300 s: (met|missed)",
]


def test_dbt_phases_are_timed_from_the_events_dbt_emits() -> None:
    # --quick runs no dbt process of its own, so the phases are checked here: on
    # the JSON lines of the events they are timed from, which dbt still defines.
    from dbt.adapters.events import types as adapter_events
    from dbt.events import types as core_events

    for name in ("MainReportVersion", "FoundStats", "LogStartLine", "LogHookStartLine"):
        assert hasattr(core_events, name), name
    assert hasattr(adapter_events, "FinishedRunningStats")

    def event(name: str) -> str:
        return json.dumps({"info": {"name": name, "msg": "..."}})

    build = Measurement(
        returncode=0,
        wall_seconds=10.0,
        cpu_seconds=9.0,
        peak_mb=100.0,
        largest_process_mb=100.0,
        lines=[
            (0.5, "Running with dbt"),  # not JSON: skipped
            (2.0, event("MainReportVersion")),
            (5.0, event("FoundStats")),
            (5.5, event("LogStartLine")),
            (6.0, event("LogStartLine")),
            (9.0, event("FinishedRunningStats")),
        ],
    )
    assert bench.dbt_phases(build) == {
        "start-up": 2.0,
        "parse": 3.0,
        "set-up": 0.5,
        "nodes": 3.5,
        "wrap-up": 1.0,
    }
    # An event missing: no phases, and the report leaves their line out.
    assert bench.dbt_phases(replace(build, lines=build.lines[:-1])) == {}


def test_quick_benchmark_prints_every_figure(project_copy: Path) -> None:
    """A tiny configuration (one run, no rebuilds, no Spark, the inputs as
    published only): every build passes (the benchmark stops on a failed build)
    and every figure is shown. The grown inputs are the synthetic seeds tested
    above."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--quick"]
        + ["--factors", "1", "--project-dir", str(project_copy)],
        cwd=REPO_ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=BENCH_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    printed = result.stdout.splitlines()
    missing = [
        pattern
        for pattern in REPORT_LINES
        if not any(re.fullmatch(pattern, line) for line in printed)
    ]
    assert missing == [], "lines missing from the report:\n" + result.stdout
    # Nothing was built in the project itself: the benchmark works in copies.
    assert not (project_copy / ".publish").exists()
    assert not (project_copy / "ook_uw_zaak.duckdb").exists()
