"""Publishing: the published file opens in DuckDB 1.1 through the stable link, readers
are never blocked and never see a mix, a stale writer cannot reach a newer release,
a killed build leaves the published release intact, old releases are pruned, and
plain `dbt build` never touches the published file."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import run_build
from ook_uw_zaak.connect import AFTER_OPEN_STATEMENTS, OPEN_SETTINGS
from ook_uw_zaak.publish.releases import (
    RELEASE_LINK,
    RELEASES_FOLDER,
    current_release,
    publish_release,
    releases,
)
from ook_uw_zaak.publish.workspace import PUBLISHED_PREFIX
from support.publish_helpers import (
    EARLIER_RELEASE,
    PUBLISHED_FILE_NAME,
    mart_contents,
    output_of,
    sha256,
    with_plain_published_file,
    with_published_file,
)

OLD_DUCKDB = "1.1.3"
# The DuckDB versions readers use: what BI drivers bundle (1.1), and what pip
# installs today (2.0, which Harlequin and Superset's own install bring too).
READER_DUCKDBS = (OLD_DUCKDB, "2.0.0")
BUILD_TIMEOUT_SECONDS = 300

# Run by another DuckDB's interpreter: open the file read-only and hardened as the
# recipes do (the settings of ook_uw_zaak.connect, passed as JSON), read every
# table and view, try what must be refused, print what happened as JSON.
_READ_WITH_OLD_DUCKDB = """
import json, sys
import duckdb
settings, statements = json.loads(sys.argv[2]), json.loads(sys.argv[3])
connection = duckdb.connect(sys.argv[1], read_only=True, config=settings)
for statement in statements:
    connection.execute(statement)
relations = connection.execute(
    "select schema_name, table_name, 'table' from duckdb_tables() union all "
    "select schema_name, view_name, 'view' from duckdb_views() where not internal"
).fetchall()
counts = {}
for schema, name, kind in relations:
    rows = connection.execute(f'select * from "{schema}"."{name}"').fetchall()
    counts[f"{kind} {schema}.{name}"] = len(rows)
refused = {}
for attack in json.loads(sys.argv[4]):
    try:
        connection.execute(attack)
        refused[attack] = False
    except duckdb.Error:
        refused[attack] = True
print(json.dumps({"version": duckdb.__version__, "counts": counts, "refused": refused}))
"""
_ATTACKS = (
    "select * from read_csv('/etc/passwd')",
    "copy (select 1) to '/tmp/ook_uw_zaak_reader_test.csv'",
    "attach ':memory:' as other",
    "install httpfs",
    "set enable_external_access = true",
    "set lock_configuration = false",
)


@pytest.fixture(scope="session", params=READER_DUCKDBS)
def old_duckdb_python(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A Python interpreter with another DuckDB (1.1.3, the version BI drivers
    bundle, or 2.0), installed once per session in an isolated environment."""
    version = request.param
    uv = Path(sys.executable).with_name("uv")
    uv_command = str(uv) if uv.exists() else shutil.which("uv")
    if uv_command is None:
        pytest.fail("uv is needed to install DuckDB 1.1 for this test: run `make`")
    environment = tmp_path_factory.mktemp(f"duckdb-{version}") / "venv"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    for command in (
        [uv_command, "venv", "--quiet", "--python", sys.executable, str(environment)],
        [
            uv_command,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(environment / "bin" / "python"),
            f"duckdb=={version}",
        ],
    ):
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            pytest.fail(f"could not install DuckDB {version}:\n{result.stderr}")
    return environment / "bin" / "python"


def _counts_with_current_duckdb(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as connection:
        relations = connection.execute(
            "select schema_name, table_name, 'table' from duckdb_tables() union all "
            "select schema_name, view_name, 'view' from duckdb_views() "
            "where not internal"
        ).fetchall()
        return {
            f"{kind} {schema}.{name}": len(
                connection.execute(f'select * from "{schema}"."{name}"').fetchall()
            )
            for schema, name, kind in relations
        }


def test_published_file_opens_hardened_in_duckdb_1_1_and_2_0(
    built_warehouse: Path, old_duckdb_python: Path
) -> None:
    result = subprocess.run(
        [
            str(old_duckdb_python),
            "-c",
            _READ_WITH_OLD_DUCKDB,
            str(built_warehouse),
            json.dumps(OPEN_SETTINGS),
            json.dumps(AFTER_OPEN_STATEMENTS),
            json.dumps(_ATTACKS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    assert read["version"] in READER_DUCKDBS
    assert read["refused"] == dict.fromkeys(_ATTACKS, True)
    marts = [name for name in read["counts"] if name.startswith("table marts.")]
    assert marts, "DuckDB 1.1 found no mart tables in the published file"
    assert any(name.startswith("view staging.") for name in read["counts"])
    # Every table and view reads in 1.1 with the rows the current DuckDB reads.
    assert read["counts"] == _counts_with_current_duckdb(built_warehouse)


def test_published_file_holds_no_stored_test_failures(built_warehouse: Path) -> None:
    """dbt stores each data test's failing rows in the build's scratch file (schema
    test_failures, see dbt_project.yml); the release holds only the warehouse's own
    schemas."""
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        schemas = connection.execute(
            "select schema_name from duckdb_tables() union "
            "select schema_name from duckdb_views() where not internal"
        ).fetchall()
    assert sorted(schema for (schema,) in schemas) == [
        "intermediate",
        "marts",
        "raw",
        "staging",
    ]


def test_successful_build_publishes_a_read_only_release(built_warehouse: Path) -> None:
    project_dir = built_warehouse.parent
    # The stable name -> release/ook_uw_zaak.duckdb, release -> releases/<id>: both
    # relative, so the project folder can move.
    assert os.readlink(built_warehouse) == f"{RELEASE_LINK}/{PUBLISHED_FILE_NAME}"
    (release,) = releases(project_dir)
    assert (
        os.readlink(project_dir / RELEASE_LINK) == f"{RELEASES_FOLDER}/{release.name}"
    )
    assert built_warehouse.resolve() == release / PUBLISHED_FILE_NAME
    # Of the scratch build, only its dbt artifacts are kept, beside the release.
    leftovers = sorted(p.name for p in (project_dir / ".publish").iterdir())
    assert leftovers == ["build.lock", f"{PUBLISHED_PREFIX}{release.name}"]
    assert stat.S_IMODE(release.stat().st_mode) == 0o555
    assert stat.S_IMODE(built_warehouse.resolve().stat().st_mode) == 0o444
    assert not list(release.glob("*.wal"))


def test_plain_dbt_build_and_docs_use_the_development_file(
    project_copy: Path, built_warehouse: Path
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
    env["DBT_TARGET_PATH"] = str(project_copy / "target")

    def dbt(*args: str) -> None:
        """The README's recipe: plain dbt inside the environment."""
        result = subprocess.run(
            [str(Path(sys.executable).with_name("dbt")), *args],
            cwd=project_copy,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-4000:]
        assert sha256(published) == before

    # The seeds (and their tests) are enough to show where plain `dbt build` writes.
    dbt("build", "--select", "resource_type:seed")
    assert (project_copy / "dev.duckdb").is_file()
    # `dbt docs generate`: the documentation site in target/, with the catalogue of
    # what the development file holds.
    dbt("docs", "generate")
    assert (project_copy / "target" / "index.html").is_file()
    catalog = json.loads((project_copy / "target" / "catalog.json").read_text("utf-8"))
    assert "seed.ook_uw_zaak.answer_info_sessions" in catalog["nodes"]


def _first_name_en(connection: duckdb.DuckDBPyConnection) -> str:
    row = connection.execute(
        "select name_en from raw.reference_provinces where province_code = 'ANT'"
    ).fetchone()
    assert row is not None
    return str(row[0])


# A program that opens the published name for writing (as the duckdb command line
# does by default), waits, then writes when told to and dies hard: no checkpoint,
# so its changes stay in a write-ahead log that DuckDB would replay on the next open.
_STALE_WRITER = """
import os, signal, sys
import duckdb
connection = duckdb.connect(sys.argv[1])
print("open", flush=True)
sys.stdin.readline()
connection.execute("update raw.reference_provinces set name_en = 'WRITTEN'")
connection.execute("update marts.dim_province set province_name_en = 'WRITTEN'")
connection.execute("create table marts.written_by_a_stale_writer (x integer)")
print("written", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_stale_writer_cannot_touch_the_new_release(
    project_copy: Path, built_warehouse: Path
) -> None:
    """The issue's point 2: a program holds the published name open for writing
    while the build publishes, then writes and dies hard. Its changes stay in its
    own, old release; the published figures stay as the build made them."""
    published = with_published_file(project_copy, built_warehouse)
    old_release = published.resolve().parent
    before = mart_contents(published)
    provinces = project_copy / "seeds" / "reference" / "reference_provinces.csv"
    provinces.write_text(
        provinces.read_text(encoding="utf-8").replace(",Antwerp,", ",Antwerp (new),"),
        encoding="utf-8",
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", _STALE_WRITER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdin is not None and writer.stdout is not None
        assert writer.stdout.readline().strip() == "open"
        result = run_build(project_copy)
        assert result.returncode == 0, output_of(result)
        assert (
            f"process {writer.pid} has {PUBLISHED_FILE_NAME} of release "
            f"{old_release.name} open for writing. Its changes stay in that release"
        ) in output_of(result)
        assert "readers of ook_uw_zaak.duckdb never see them" in output_of(result)
        new_release = published.resolve().parent
        assert new_release != old_release
        after_build = mart_contents(published)
        assert after_build != before
        with duckdb.connect(str(published), read_only=True) as fresh_reader:
            assert _first_name_en(fresh_reader) == "Antwerp (new)"

        writer.stdin.write("write\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "written"
        assert writer.wait(timeout=60) == -signal.SIGKILL
    finally:
        writer.kill()
        writer.wait()
    # The writer's log lies beside its own, old release, never beside the new one.
    assert (old_release / (PUBLISHED_FILE_NAME + ".wal")).is_file()
    assert not list(new_release.glob("*.wal"))
    assert not published.with_name(PUBLISHED_FILE_NAME + ".wal").exists()
    assert mart_contents(published) == after_build
    # Even a program that opens the published name for writing afterwards (and so
    # replays any log of that file) finds nothing foreign.
    with duckdb.connect(str(published)) as next_writer:
        assert _first_name_en(next_writer) == "Antwerp (new)"
    assert mart_contents(published) == after_build


def test_reader_keeps_its_version_while_a_release_is_published(
    project_copy: Path, built_warehouse: Path
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    before = mart_contents(published)
    scratch = _scratch_release(project_copy, built_warehouse, "20300101T000000Z-1")
    with duckdb.connect(str(scratch / PUBLISHED_FILE_NAME)) as changing:
        changing.execute(
            "update raw.reference_provinces set name_en = 'Antwerp (new)' "
            "where province_code = 'ANT'"
        )
    reader = duckdb.connect(str(published), read_only=True)
    try:
        assert _first_name_en(reader) == "Antwerp"
        publish_release(project_copy, scratch, _no_release_files, project_copy / "x")
        # The reader still reads the whole old version: no mix of old and new.
        assert _first_name_en(reader) == "Antwerp"
        for name, rows in before.items():
            schema, table = name.split(".")
            query = f'select * from "{schema}"."{table}" order by all'
            assert reader.execute(query).fetchall() == rows, name
    finally:
        reader.close()
    with duckdb.connect(str(published), read_only=True) as fresh_reader:
        assert _first_name_en(fresh_reader) == "Antwerp (new)"


def _dbt_is_running(project_dir: Path) -> bool:
    """dbt has started writing the scratch database."""
    return any((project_dir / ".publish").glob("build-*/" + PUBLISHED_FILE_NAME))


def _build_until_dbt_runs(project_dir: Path) -> subprocess.Popen[str]:
    """`ook-uw-zaak build` in `project_dir`, returned once dbt has started."""
    env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
    build = subprocess.Popen(
        [sys.executable, "-m", "ook_uw_zaak.cli", "build"],
        cwd=project_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + BUILD_TIMEOUT_SECONDS
    while not _dbt_is_running(project_dir):
        assert build.poll() is None, "the build ended before it could be stopped"
        assert time.monotonic() < deadline, "dbt never started"
        time.sleep(0.005)
    return build


def test_build_killed_while_dbt_runs_leaves_the_published_file_intact(
    project_copy: Path, built_warehouse: Path
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    build = _build_until_dbt_runs(project_copy)
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert sha256(published) == before

    # The next build cleans up after the killed one (waiting, if need be, for the
    # dbt process the killed build started) and publishes, with no manual step.
    result = run_build(project_copy)
    assert result.returncode == 0, output_of(result)
    assert "left by an interrupted build" in output_of(result)
    release = (project_copy / RELEASE_LINK).resolve()
    leftovers = sorted(p.name for p in (project_copy / ".publish").iterdir())
    assert leftovers == ["build.lock", f"{PUBLISHED_PREFIX}{release.name}"]
    assert mart_contents(published) == mart_contents(built_warehouse)


def test_sigterm_stops_dbt_with_the_build_and_says_so(
    project_copy: Path, built_warehouse: Path
) -> None:
    """SIGTERM (kill, a service manager, a time-out) stops the build as Ctrl-C
    does: dbt stops with it, nothing is published, and it says so."""
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    build = _build_until_dbt_runs(project_copy)
    build.send_signal(signal.SIGTERM)
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 130, stderr
    assert "Stopped. The published file ook_uw_zaak.duckdb is unchanged." in stderr
    assert sha256(published) == before
    # No dbt process of this copy goes on: the lock is free at once.
    with open(project_copy / ".publish" / "build.lock", "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _scratch_release(project_dir: Path, database: Path, release_id: str) -> Path:
    """A scratch release folder holding a copy of `database`, as a build makes it."""
    scratch = project_dir / ".publish" / f"build-{release_id}" / RELEASES_FOLDER
    folder = scratch / release_id
    folder.mkdir(parents=True)
    shutil.copyfile(database.resolve(), folder / PUBLISHED_FILE_NAME)
    return folder


def _no_release_files(release: Path, previous: Path | None) -> None:
    """A release-files hook that writes nothing."""


# Run in a child process: publish a scratch release, and kill the process at the
# named moment (inside the release-files hook, or just before the link swap).
_KILLED_WHILE_PUBLISHING = """
import os, signal, sys
from pathlib import Path
from ook_uw_zaak.publish import releases
project, scratch, moment = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
def die(*_):
    os.kill(os.getpid(), signal.SIGKILL)
if moment == "before-swap":
    releases.files.replace_with_link = die
releases.publish_release(
    project, scratch, die if moment == "in-hook" else (lambda *_: None),
    project / ".publish" / "stale-logs",
)
"""


@pytest.mark.parametrize("moment", ["in-hook", "before-swap"])
def test_build_killed_while_publishing_leaves_the_published_file_intact(
    project_copy: Path, built_warehouse: Path, moment: str
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    scratch = _scratch_release(project_copy, built_warehouse, "20300101T000000Z-1")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_PUBLISHING, str(project_copy)]
        + [str(scratch), moment],
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert published.resolve().parent.name == EARLIER_RELEASE
    assert sha256(published) == before

    # The next publishing removes what the killed one left in releases/.
    scratch = _scratch_release(project_copy, built_warehouse, "20300101T000001Z-2")
    done = publish_release(
        project_copy, scratch, _no_release_files, project_copy / "aside"
    )
    assert [r.name for r in releases(project_copy)] == [
        EARLIER_RELEASE,
        "20300101T000001Z-2",
    ]
    assert done.previous is not None and done.previous.name == EARLIER_RELEASE
    assert sha256(published) == before  # the same content, now the new release


def test_release_files_hook_writes_into_the_new_release(
    project_copy: Path, built_warehouse: Path
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    before = sha256(published)
    calls: list[tuple[Path, Path | None]] = []

    def write_files(release: Path, previous: Path | None) -> None:
        calls.append((release, previous))
        assert (release / PUBLISHED_FILE_NAME).is_file()
        (release / "SHA256SUMS").write_text("written by the hook\n")

    scratch = _scratch_release(project_copy, built_warehouse, "20300101T000000Z-1")
    done = publish_release(project_copy, scratch, write_files, project_copy / "aside")
    assert calls == [(scratch, project_copy / RELEASES_FOLDER / EARLIER_RELEASE)]
    written = project_copy / RELEASE_LINK / "SHA256SUMS"
    assert written.read_text() == "written by the hook\n"
    assert stat.S_IMODE(written.stat().st_mode) == 0o444
    assert done.release.name == "20300101T000000Z-1"

    def fail(release: Path, previous: Path | None) -> None:
        raise RuntimeError("the hook failed")

    scratch = _scratch_release(project_copy, built_warehouse, "20300101T000001Z-2")
    with pytest.raises(RuntimeError, match="the hook failed"):
        publish_release(project_copy, scratch, fail, project_copy / "aside")
    assert current_release(project_copy) == done.release
    assert sha256(published) == before


def test_old_releases_are_pruned_unless_a_writer_holds_them(
    project_copy: Path, built_warehouse: Path
) -> None:
    published = with_published_file(project_copy, built_warehouse)
    # Another process (DuckDB's lock is per process) holds the release for writing.
    holder = subprocess.Popen(
        [sys.executable, "-c", _STALE_WRITER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "open"
        for number in range(1, 6):
            release_id = f"2030010{number}T000000Z-{number}"
            scratch = _scratch_release(project_copy, built_warehouse, release_id)
            done = publish_release(
                project_copy, scratch, _no_release_files, project_copy / "aside"
            )
        kept = [r.name for r in releases(project_copy)]
        # The held release survives; of the others, the current one and two more.
        assert kept == [
            EARLIER_RELEASE,
            "20300103T000000Z-3",
            "20300104T000000Z-4",
            "20300105T000000Z-5",
        ]
        assert [p.name for p in done.kept_for_writers] == [EARLIER_RELEASE]
    finally:
        holder.kill()
        holder.wait()
    scratch = _scratch_release(project_copy, built_warehouse, "20300106T000000Z-6")
    publish_release(project_copy, scratch, _no_release_files, project_copy / "aside")
    assert [r.name for r in releases(project_copy)] == [
        "20300104T000000Z-4",
        "20300105T000000Z-5",
        "20300106T000000Z-6",
    ]


def test_plain_published_file_and_a_stale_log_beside_it_are_moved_aside(
    project_copy: Path, built_warehouse: Path
) -> None:
    """Projects published before releases have a plain ook_uw_zaak.duckdb; the
    first release replaces it by the stable link. A log beside the stable name
    (a DuckDB 1.1 writer does not resolve links) is moved out of readers' way."""
    published = with_plain_published_file(project_copy, built_warehouse)
    stale_log = project_copy / (PUBLISHED_FILE_NAME + ".wal")
    stale_log.write_bytes(b"a log no release owns")
    scratch = _scratch_release(project_copy, built_warehouse, "20300101T000000Z-1")
    done = publish_release(
        project_copy, scratch, _no_release_files, project_copy / "aside"
    )
    assert done.migrated_file
    assert done.previous is None
    assert published.is_symlink()
    assert mart_contents(published) == mart_contents(built_warehouse)
    assert not stale_log.exists()
    assert done.moved_wal is not None
    assert done.moved_wal.read_bytes() == b"a log no release owns"
