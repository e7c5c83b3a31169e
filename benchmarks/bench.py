"""`make bench` (`python -m benchmarks.bench`): what the build costs, measured on
this machine and printed; nothing is asserted. Four comparisons:

1. the publishing build (`make build`) against dbt's own floor: a dbt-duckdb
   project of one `select 1` model, built the same way (the median of --runs runs,
   the smallest and largest in parentheses);
2. the time dbt spends running the build's nodes (from its run_results.json)
   against the engine's floor: the same SQL, taken from the build's target
   folder, run directly in DuckDB (engine_floor.py); measured once;
3. the publishing build as the inputs grow: synthetic seeds at 1 and 1,000 times
   the published rows (synthetic.py); measured once;
4. where Java is installed, the publishing build on Spark, in-process and through
   the Thrift server of a cluster started for it, beside DuckDB's `dbt build`
   (spark_bench.py); measured once.

Every build runs in a temporary copy of the project, never in the project itself;
the copies are removed at the end. Each run of the publishing build starts in a
fresh copy, so dbt parses the project in full (a developer's tree keeps a parse
cache between builds: the "rebuild" lines show that case, forced, since a build
that changes nothing publishes nothing: the "nothing changed" lines time that).
dbt's phases are timed from its JSON log events (`--log-format json`), not from
its English text.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from benchmarks import engine_floor, synthetic
from benchmarks.measure import Measurement, Spread, run_measured
from benchmarks.spark_bench import (
    SparkPublish,
    ThriftRun,
    measure_spark_publish,
    measure_thrift_publish,
    spark_lines,
    spark_unavailable,
)
from ook_uw_zaak.dbt.runner import dbt_build_command, duckdb_target
from ook_uw_zaak.project import DUCKDB_PATH_VARIABLE, PUBLISHED_FILE_NAME
from ook_uw_zaak.publish.releases import current_release
from ook_uw_zaak.publish.workspace import published_build
from tests.python.support.project_copy import copy_project

DEFAULT_RUNS = 3
DEFAULT_FACTORS = (1, 1_000)
# The targets the figures are held against (docs/performance.md); nothing fails on them.
MAX_FLOOR_RATIO = 2.0  # the moonshot: 1.5, jaffle_shop_duckdb's ratio
MAX_BENCH_SECONDS = 300.0
MAX_GROWTH_RATIO = 2.0
MAX_PEAK_MB = 500.0

# The steps `ook-uw-zaak build` announces, in order, and the line it ends on.
_PUBLISH_STEPS = (
    ("1/4", "pre-flight checks of the seed files"),
    ("2/4", "dbt build, and reading its results"),
    ("3/4", "DuckDB 1.1 copy and its check"),
    ("4/4", "atomic replace"),
)
_PUBLISH_END = "Published "


class BenchError(RuntimeError):
    """A build the benchmark needs did not succeed; the message says which."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path("."),
        help="the dbt project to benchmark (default: the current folder)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_RUNS,
        help=f"runs of every measurement; the median is shown (default {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--no-spark",
        action="store_true",
        help="leave out the Spark builds (in-process and through a Thrift server, "
        "measured once, in the first run; --quick leaves them out too)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one run, no rebuilds, the node figures from the publishing build (no "
        "dbt build of their own): a smoke test of the benchmark, not figures",
    )
    parser.add_argument(
        "--factors",
        default=",".join(str(f) for f in DEFAULT_FACTORS),
        help="sizes of the synthetic inputs, in times the published rows "
        "(default 1,1000)",
    )


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- running things ---------------------------------------------------------------


def clean_environment() -> dict[str, str]:
    """The environment of every measured command: without DBT_* variables and the
    DuckDB path variable (each run chooses its own), output unbuffered so that
    the time each line arrives is the time it was printed."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DBT_") and key != DUCKDB_PATH_VARIABLE
    }
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _checked(measurement: Measurement, what: str) -> Measurement:
    if measurement.returncode != 0:
        tail = "\n".join(
            f"    {line}" for line in measurement.output.splitlines()[-30:]
        )
        raise BenchError(
            f"{what} failed (exit code {measurement.returncode}); what it printed "
            f"last:\n{tail}"
        )
    return measurement


def publishing_build(project_dir: Path, *options: str) -> Measurement:
    """`ook-uw-zaak build` in a project copy, as `make build` runs it once the
    environment exists."""
    return _checked(
        run_measured(
            [sys.executable, "-m", "ook_uw_zaak.cli", "build", *options],
            cwd=project_dir,
            env=clean_environment(),
        ),
        f"the publishing build in {project_dir.name}",
    )


def profile_threads(project_dir: Path) -> int:
    """The threads of the project's DuckDB target (1 when not stated)."""
    try:
        import yaml

        profiles = yaml.safe_load((project_dir / "profiles.yml").read_text("utf-8"))
        target = duckdb_target(project_dir)
        for profile in (profiles or {}).values():
            output = (profile.get("outputs") or {}).get(target) or {}
            if output.get("type") == "duckdb":
                return int(output.get("threads", 1))
    except (OSError, ValueError, AttributeError):
        pass
    return 1


def write_floor_project(folder: Path, threads: int) -> Path:
    """dbt's floor: a dbt-duckdb project of one `select 1` model, with its own
    profiles.yml and the project's threads."""
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(
        'name: floor\nversion: "1.0.0"\nconfig-version: 2\nprofile: floor\n'
        "flags:\n  send_anonymous_usage_stats: false\n",
        encoding="utf-8",
    )
    (folder / "profiles.yml").write_text(
        "floor:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: floor.duckdb\n      threads: {threads}\n",
        encoding="utf-8",
    )
    (folder / "models" / "one.sql").write_text("select 1 as one\n", encoding="utf-8")
    return folder


def floor_build(folder: Path) -> Measurement:
    return _checked(
        run_measured(
            dbt_build_command(folder, folder),
            cwd=folder,
            env=clean_environment(),
        ),
        "dbt build of the one-model project",
    )


# -- what the runs found ------------------------------------------------------------


@dataclass
class FloorRun:
    build: Measurement
    floor: Measurement
    unchanged: Measurement  # the same build again: nothing changed, nothing built
    rebuild: Measurement | None = None  # not measured with --quick
    floor_rebuild: Measurement | None = None


@dataclass
class NodesRun:
    dbt: Measurement | None  # None: read from the publishing build (--quick)
    nodes: int
    node_seconds: float  # sum of the nodes' execution times
    run_elapsed: float  # dbt's own elapsed time of the run (after parsing)
    engine: engine_floor.Replay


@dataclass
class SizeRuns:
    factor: int
    rows_by_file: dict[str, int] = field(default_factory=dict)
    builds: list[Measurement] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.rows_by_file.values())


def step_seconds(build: Measurement) -> dict[str, float]:
    """How long each announced step of a publishing build took, from the times
    its lines arrived; "start" is the time before the first step."""
    marks = [(key, build.first_line_time(key)) for key, _ in _PUBLISH_STEPS]
    marks.append(("end", build.first_line_time(_PUBLISH_END) or build.wall_seconds))
    found = [(key, at) for key, at in marks if at is not None]
    durations = {"start": found[0][1]} if found else {}
    for (key, at), (_, next_at) in zip(found, found[1:], strict=False):
        durations[key] = next_at - at
    durations["finish"] = build.wall_seconds - found[-1][1] if found else 0.0
    return durations


def dbt_phases(measurement: Measurement) -> dict[str, float]:
    """Where the time of one `dbt build` process went, from the times its JSON log
    events arrived: start-up (Python and dbt imports), parse, set-up before the first
    node, the nodes, and the wrap-up (hooks, artifacts) after them."""
    marks = [
        measurement.first_event_time("MainReportVersion"),
        measurement.first_event_time("FoundStats"),
        measurement.first_event_time("LogHookStartLine", "LogStartLine"),
        measurement.first_event_time("FinishedRunningStats"),
    ]
    if any(mark is None for mark in marks):
        return {}
    started, parsed, first_node, finished = (float(m) for m in marks if m is not None)
    return {
        "start-up": started,
        "parse": parsed - started,
        "set-up": first_node - parsed,
        "nodes": finished - first_node,
        "wrap-up": measurement.wall_seconds - finished,
    }


def measure_nodes(project_dir: Path, work: Path) -> NodesRun:
    """A `dbt build` of the copy as the publishing build runs it, then the same
    SQL straight in DuckDB."""
    output_dir = work / "dbt"
    output_dir.mkdir(parents=True)
    environment = clean_environment()
    environment[DUCKDB_PATH_VARIABLE] = str(output_dir / PUBLISHED_FILE_NAME)
    dbt = _checked(
        run_measured(
            dbt_build_command(project_dir, output_dir), cwd=project_dir, env=environment
        ),
        "dbt build (for the node times)",
    )
    return _nodes_run(dbt, output_dir / "target", work)


def nodes_of_published_build(project_dir: Path, work: Path) -> NodesRun:
    """--quick: the node figures of the publishing build that last ran in the copy,
    from the dbt artifacts it kept beside its release, and the same SQL straight
    in DuckDB; no dbt build of its own, so no dbt phases."""
    release = current_release(project_dir)
    if release is None:
        raise BenchError(f"the publishing build in {project_dir} published nothing")
    target = published_build(project_dir, release.name) / "target"
    return _nodes_run(None, target, work)


def _nodes_run(dbt: Measurement | None, target: Path, work: Path) -> NodesRun:
    results = json.loads((target / "run_results.json").read_text("utf-8"))
    replay = engine_floor.replay(target, work / "engine" / PUBLISHED_FILE_NAME)
    return NodesRun(
        dbt=dbt,
        nodes=len(results["results"]),
        node_seconds=sum(r.get("execution_time") or 0 for r in results["results"]),
        run_elapsed=float(results.get("elapsed_time") or 0),
        engine=replay,
    )


# -- the report -----------------------------------------------------------------


def machine_lines() -> list[str]:
    cpu = "unknown CPU"
    memory = "unknown memory"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB memory"
                break
    except OSError:
        pass

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [
        f"Machine: {os.cpu_count()} cores, {memory}, {cpu}; {platform.system()} "
        f"{platform.release()}",
        f"Software: Python {platform.python_version()}, dbt-core "
        f"{version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, DuckDB "
        f"{version('duckdb')}",
    ]


def _verdict(met: bool) -> str:
    return "met" if met else "missed"


def _spread(values: Sequence[float]) -> Spread:
    return Spread.of(list(values))


def _seconds(values: Sequence[float]) -> str:
    return _spread(values).show("s")


def _megabytes(values: Sequence[float]) -> str:
    return _spread(values).show("MB", 0)


def _row(label: str, *cells: str) -> str:
    return f"  {label:<48} " + "  ".join(cells)


def _build_cells(builds: Sequence[Measurement]) -> tuple[str, str, str]:
    return (
        _seconds([b.wall_seconds for b in builds]),
        "CPU " + _spread([b.cpu_seconds for b in builds]).show("s", 1),
        "peak " + _megabytes([b.peak_mb for b in builds]),
    )


def _median(values: Sequence[float]) -> float:
    return _spread(values).median


def _steps_text(builds: Sequence[Measurement]) -> str:
    """The median time of each step of the publishing builds."""
    steps = [step_seconds(b) for b in builds]
    names = {"start": "start-up", **dict(_PUBLISH_STEPS), "finish": "finish"}
    return "; ".join(
        f"{names[key]} {_median([s.get(key, 0.0) for s in steps]):.2f} s"
        for key in names
    )


def render_report(
    runs: int,
    floor_runs: Sequence[FloorRun],
    nodes_runs: Sequence[NodesRun],
    sizes: Sequence[SizeRuns],
    threads: int,
) -> list[str]:
    lines = [
        f"Benchmark of the build: median of {runs} run(s), the smallest and largest "
        "in parentheses",
        *machine_lines(),
        "The publishing build is `python -m ook_uw_zaak.cli build`, what `make build` "
        "runs once .venv exists, each run in a fresh temporary copy of the project "
        f"(dbt parses it in full); dbt threads: {threads}.",
        "",
        "1. The full build against dbt's floor (a one-model dbt-duckdb project, "
        "`dbt build`)",
    ]
    builds = [r.build for r in floor_runs]
    floors = [r.floor for r in floor_runs]
    lines.append(_row("full build (make build), fresh copy", *_build_cells(builds)))
    lines.append(_row("dbt floor, one `select 1` model", *_build_cells(floors)))
    ratio = _median([b.wall_seconds for b in builds]) / _median(
        [f.wall_seconds for f in floors]
    )
    lines.append(
        _row(
            "ratio full build / dbt floor",
            f"{ratio:.2f}x",
            f"target at most {MAX_FLOOR_RATIO}x: {_verdict(ratio <= MAX_FLOOR_RATIO)}",
        )
    )
    unchanged = [r.unchanged for r in floor_runs]
    lines.append(_row("build with nothing changed (reused)", *_build_cells(unchanged)))
    unchanged_ratio = _median([b.wall_seconds for b in unchanged]) / _median(
        [r.floor.wall_seconds for r in floor_runs]
    )
    lines.append(
        _row(
            "ratio nothing-changed build / dbt floor",
            f"{unchanged_ratio:.2f}x",
            f"target at most 1x: {_verdict(unchanged_ratio <= 1)}",
        )
    )
    rebuilds = [r.rebuild for r in floor_runs if r.rebuild is not None]
    floor_rebuilds = [r.floor_rebuild for r in floor_runs if r.floor_rebuild]
    if rebuilds and floor_rebuilds:
        lines.append(
            _row(
                "forced rebuild in the same copy (parse cache)", *_build_cells(rebuilds)
            )
        )
        lines.append(
            _row("dbt floor, rebuild (parse cache)", *_build_cells(floor_rebuilds))
        )
        rebuild_ratio = _median([b.wall_seconds for b in rebuilds]) / _median(
            [f.wall_seconds for f in floor_rebuilds]
        )
        lines.append(_row("ratio rebuild / dbt floor rebuild", f"{rebuild_ratio:.2f}x"))
    else:
        lines.append(_row("rebuilds (parse cache)", "not measured (--quick)"))
    lines.append(_row("full build, by step (median)", _steps_text(builds)))

    lines += [
        "",
        "2. The build's nodes against the engine's floor (the same SQL in DuckDB)",
    ]
    node_count = nodes_runs[0].nodes
    node_seconds = [r.node_seconds for r in nodes_runs]
    engine_seconds = [r.engine.seconds for r in nodes_runs]
    processes = [r.dbt for r in nodes_runs if r.dbt is not None]
    phases = [dbt_phases(process) for process in processes]
    if processes:
        lines.append(_row("dbt build, whole process", *_build_cells(processes)))
    else:
        lines.append(
            _row(
                "dbt build, whole process",
                "not measured (--quick: the nodes of the publishing build)",
            )
        )
    if phases and all(phases):
        lines.append(
            _row(
                "dbt build, by phase (median)",
                "; ".join(
                    f"{name} {_median([p[name] for p in phases]):.2f} s"
                    for name in phases[0]
                ),
            )
        )
    lines.append(
        _row(f"nodes in dbt (sum over {node_count} nodes)", _seconds(node_seconds))
    )
    statements = nodes_runs[0].engine.statements
    lines.append(
        _row(
            f"same SQL directly in DuckDB ({statements} nodes)",
            _seconds(engine_seconds),
            f"tests finding rows: {max(r.engine.failing_tests for r in nodes_runs)}",
        )
    )
    node_ratio = _median(node_seconds) / max(_median(engine_seconds), 1e-9)
    per_node_ms = 1000 * (_median(node_seconds) - _median(engine_seconds)) / node_count
    lines.append(_row("ratio nodes in dbt / DuckDB", f"{node_ratio:.1f}x"))
    lines.append(_row("dbt's own time per node", f"{per_node_ms:.1f} ms"))

    lines += ["", "3. Cost as the inputs grow (the publishing build, fresh copy)"]
    for size in sizes:
        lines.append(
            _row(
                f"{size.factor:,}x the published rows ({size.rows:,} seed rows)",
                *_build_cells(size.builds),
            )
        )
    for size in sizes:
        if size.factor != 1:
            lines.append(
                _row(f"{size.factor:,}x, by step (median)", _steps_text(size.builds))
            )
    by_factor = {s.factor: s for s in sizes}
    if 1 in by_factor and len(sizes) > 1:
        biggest = max(by_factor)
        growth = _median([b.wall_seconds for b in by_factor[biggest].builds]) / _median(
            [b.wall_seconds for b in by_factor[1].builds]
        )
        lines.append(
            _row(
                f"ratio {biggest:,}x / 1x",
                f"{growth:.2f}x",
                f"target at most {MAX_GROWTH_RATIO}x: "
                f"{_verdict(growth <= MAX_GROWTH_RATIO)}",
            )
        )
    peak = max(b.peak_mb for s in sizes for b in s.builds)
    largest = max(b.largest_process_mb for s in sizes for b in s.builds)
    lines.append(
        _row(
            "peak memory, largest at any size",
            f"{peak:.0f} MB",
            f"target under {MAX_PEAK_MB:.0f} MB: {_verdict(peak < MAX_PEAK_MB)}",
            f"(largest single process: {largest:.0f} MB)",
        )
    )
    grown = sorted(
        {
            name
            for size in sizes
            for name, count in size.rows_by_file.items()
            if any(other.rows_by_file.get(name) != count for other in sizes)
        }
    )
    for size in sizes:
        counts = ", ".join(
            f"{Path(name).stem} {size.rows_by_file.get(name, 0):,}" for name in grown
        )
        lines.append(f"  rows at {size.factor:,}x: {counts or 'as published'}")
    return lines


# -- the command ------------------------------------------------------------------


def _factors(text: str) -> list[int]:
    try:
        factors = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        factors = []
    if not factors or factors[0] < 1:
        raise argparse.ArgumentTypeError(
            f"--factors takes whole numbers of 1 or more, separated by commas, not "
            f"'{text}'"
        )
    return factors


def benchmark(
    project_dir: Path,
    work: Path,
    runs: int,
    factors: Sequence[int],
    say: Callable[[str], None] = progress,
    quick: bool = False,
    spark: bool = True,
) -> list[str]:
    """Run every measurement `runs` times and return the report's lines. The Spark
    builds take minutes: they run once, in the first run, beside that run's DuckDB
    `dbt build`: in-process, then through the Thrift server of a cluster started
    for it."""
    threads = profile_threads(project_dir)
    floor_runs: list[FloorRun] = []
    nodes_runs: list[NodesRun] = []
    spark_missing = (
        spark_unavailable() if spark else "left out (--no-spark, or --quick)"
    )
    spark_publish: SparkPublish | None = None
    thrift: ThriftRun | None = None
    sizes = {factor: SizeRuns(factor=factor) for factor in factors}
    for run in range(1, runs + 1):
        here = work / f"run-{run}"
        say(f"Run {run} of {runs}: the full build and dbt's floor...")
        copy = copy_project(project_dir, here / "project")
        build = publishing_build(copy)
        floor_dir = write_floor_project(here / "floor", threads)
        floor = floor_build(floor_dir)
        unchanged = publishing_build(copy)
        if quick:
            floor_runs.append(FloorRun(build, floor, unchanged))
        else:
            rebuild = publishing_build(copy, "--force")
            floor_rebuild = floor_build(floor_dir)
            floor_runs.append(FloorRun(build, floor, unchanged, rebuild, floor_rebuild))
        if 1 in sizes:
            sizes[1].builds.append(build)  # the published rows: this same build
            sizes[1].rows_by_file = synthetic.seed_rows(copy)

        if run > 1:  # the nodes and the sizes are measured in the first run only
            shutil.rmtree(here, ignore_errors=True)
            continue
        say(f"Run {run} of {runs}: the nodes, in dbt and straight in DuckDB...")
        if quick:
            nodes_runs.append(nodes_of_published_build(copy, here / "nodes"))
        else:
            nodes_runs.append(measure_nodes(copy, here / "nodes"))
        if spark_missing is None:
            say(f"Run {run} of {runs}: the publishing build on Spark (minutes)...")
            spark_publish = measure_spark_publish(
                copy, here / "spark", clean_environment()
            )
            _checked(spark_publish.build, "ook-uw-zaak build --target spark")
            say(
                f"Run {run} of {runs}: the same through a Thrift server on a Spark "
                "cluster started here (minutes)..."
            )
            thrift = measure_thrift_publish(copy, here / "thrift", clean_environment())
            if thrift.publish is None:
                say(f"  The Thrift server was left out: {thrift.why_not}")
            else:
                _checked(
                    thrift.publish.build,
                    "ook-uw-zaak build --target spark through a Thrift server",
                )

        for factor in factors:
            if factor == 1:
                continue
            say(f"Run {run} of {runs}: the build at {factor:,}x the published rows...")
            grown = copy_project(project_dir, here / f"x{factor}")
            written = synthetic.write_synthetic_seeds(grown, factor)
            # The build's own data tests (sums_to_published_total and the rest)
            # check that the grown seeds stay consistent: a failed build stops here.
            sizes[factor].builds.append(publishing_build(grown))
            sizes[factor].rows_by_file = written.rows
            shutil.rmtree(grown, ignore_errors=True)
        shutil.rmtree(here, ignore_errors=True)
    lines = render_report(
        runs, floor_runs, nodes_runs, [sizes[f] for f in factors], threads
    )
    return lines + spark_lines(
        nodes_runs[0].dbt,
        spark_publish,
        thrift,
        spark_missing or "the build did not run",
    )


def run(args: argparse.Namespace) -> int:
    project_dir: Path = args.project_dir.resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        progress(f"{project_dir} is not a dbt project (it has no dbt_project.yml).")
        return 2
    runs = 1 if args.quick else args.runs
    if runs < 1:
        progress("--runs must be 1 or more.")
        return 2
    try:
        factors = _factors(args.factors)
    except argparse.ArgumentTypeError as error:
        progress(str(error))
        return 2
    progress(
        f"Benchmarking the build: {runs} run(s) of each measurement, inputs at "
        f"{', '.join(f'{f:,}x' for f in factors)}, in temporary copies of the project. "
        "This takes a few minutes; figures are printed at the end."
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ook-uw-zaak-bench-") as work:
        try:
            lines = benchmark(
                project_dir,
                Path(work),
                runs,
                factors,
                quick=args.quick,
                spark=not (args.no_spark or args.quick),
            )
        except BenchError as error:
            progress(f"\nThe benchmark stopped: {error}")
            return 1
    took = time.monotonic() - started
    lines.append(
        _row(
            "the benchmark itself took",
            f"{took:.0f} s",
            f"target under {MAX_BENCH_SECONDS:.0f} s: "
            f"{_verdict(took < MAX_BENCH_SECONDS)}",
        )
    )
    print("\n".join(lines), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description="Benchmark the build of the warehouse (`make bench`): figures "
        "printed, nothing asserted.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
