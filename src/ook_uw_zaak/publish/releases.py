"""The published warehouse as a series of releases, one folder each, and one
symbolic link swapped to publish the next:

    releases/<release id>/           one folder per release, read-only on disk
        ook_uw_zaak.duckdb           (and the other release files: opendata/names.py)
    release -> releases/<release id> the ONE thing a build changes, by atomic rename
    ook_uw_zaak.duckdb -> release/ook_uw_zaak.duckdb   the stable name, made once

Why: a program that opened the published file for writing (the duckdb command
line does by default) keeps a write-ahead log beside the file it opened, and
DuckDB replays such a log into the file at that path. DuckDB (1.2 and later)
resolves the links when it opens a file, so that program writes into its own,
older release and can never reach a newer one; readers of the stable name see
exactly what the build checked. The files of a release are read-only on disk (0444,
folders 0555), so no one but root can open one for writing at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ook_uw_zaak import files
from ook_uw_zaak.project import (
    PUBLISH_FOLDER,
    PUBLISHED_FILE_NAME,
    RELEASE_LINK,
    RELEASES_FOLDER,
)

__all__ = ["RELEASE_LINK", "RELEASES_FOLDER"]
# The current release and this many earlier ones are kept; older ones are removed.
EARLIER_RELEASES_KEPT = 2
WAL_SUFFIX = ".wal"

# Called with the scratch release folder (holding the checked database) and the
# previous release's folder (None at the first release), before the release is
# made read-only and published; it may add files. An exception stops publishing.
ReleaseWriter = Callable[[Path, Path | None], None]


@dataclass(frozen=True)
class Writer:
    """A program holding a release's database open for writing."""

    database: Path
    pid: int | None

    def describe(self) -> str:
        who = f"process {self.pid}" if self.pid else "a program"
        return f"{who} has {self.database.name} of release {self.database.parent.name}"


# A release id: UTC date and time, then the process id (new_release_id).
RELEASE_ID = re.compile(r"(?P<stamp>\d{8}T\d{6}Z)-\d+")
_STAMP = "%Y%m%dT%H%M%SZ"


def new_release_id(project_dir: Path | None = None) -> str:
    """A release id that sorts after every release of the project: UTC date and
    time, then the process id. When the clock stands behind the newest release
    (it was set back), the id takes that release's second plus one, so the order
    of releases, and so pruning, never depends on the clock going forward."""
    now = datetime.now(UTC).replace(microsecond=0)
    newest = releases(project_dir)[-1:] if project_dir is not None else []
    if newest:
        match = RELEASE_ID.fullmatch(newest[0].name)
        assert match is not None  # releases() lists release ids only
        after = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
        now = max(now, after + timedelta(seconds=1))
    return f"{now.strftime(_STAMP)}-{os.getpid()}"


def current_release(project_dir: Path) -> Path | None:
    """The folder of the published release, or None when there is none yet."""
    link = project_dir / RELEASE_LINK
    if not link.is_symlink():
        return None
    target = (project_dir / os.readlink(link)).resolve()
    return target if target.is_dir() else None


def releases(project_dir: Path) -> list[Path]:
    """Every release folder, oldest first: the folders of releases/ named like a
    release id (a link, or a folder of another name, is no release of the build)."""
    folder = project_dir / RELEASES_FOLDER
    if folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if RELEASE_ID.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
    )


def strangers(project_dir: Path) -> list[Path]:
    """What releases/ holds that is not a release of the build: left alone."""
    folder = project_dir / RELEASES_FOLDER
    if folder.is_symlink() or not folder.is_dir():
        return []
    ours = set(releases(project_dir))
    return sorted(p for p in folder.iterdir() if p not in ours)


def writer_on(database: Path) -> Writer | None:
    """The program that holds `database` open for writing, if one does.

    DuckDB takes a POSIX record lock on its database file: shared when it opens the
    file read-only, exclusive when it opens it for writing. A shared lock we cannot
    take means a writer holds the file.
    """
    try:
        descriptor = os.open(database, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return Writer(database.resolve(), _lock_holder(descriptor))
        return None
    finally:
        os.close(descriptor)  # also releases the shared lock, if we took it


def _lock_holder(descriptor: int) -> int | None:
    """The process id of the lock's holder (Linux's struct flock), or None."""
    layout = "hhqqi4x"
    with contextlib.suppress(OSError, struct.error):
        request = struct.pack(layout, fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        answer = struct.unpack(layout, fcntl.fcntl(descriptor, fcntl.F_GETLK, request))
        if answer[0] != fcntl.F_UNLCK and answer[4] > 0:
            return int(answer[4])
    return None


def layout_problem(project_dir: Path) -> str | None:
    """Why the build cannot publish into the project folder as it finds it, or
    None. Checked before anything runs: the names the build publishes under are
    either absent or exactly what an earlier build made, and the folders it
    writes in are real folders of the project, never links to elsewhere."""
    published = project_dir / PUBLISHED_FILE_NAME
    link = project_dir / RELEASE_LINK
    expected_published = f"{RELEASE_LINK}/{PUBLISHED_FILE_NAME}"
    for name in (RELEASES_FOLDER, PUBLISH_FOLDER):
        folder = project_dir / name
        if folder.is_symlink():
            return (
                f"{name} in the project folder is a link (to {os.readlink(folder)}), "
                f"not a folder: the build only writes in a real {name} folder of its "
                f"own, never through a link. Remove the link (rm {name}) and build "
                "again."
            )
        if folder.exists() and not folder.is_dir():
            return (
                f"{name} in the project folder is a file, where the build keeps a "
                f"folder: move it away and build again."
            )
    if published.is_symlink() and os.readlink(published) != expected_published:
        return (
            f"{PUBLISHED_FILE_NAME} in the project folder is a link to "
            f"{os.readlink(published)}, not to the published release "
            f"({expected_published}): readers of that name would not see what "
            f"the build publishes. Move it away (mv {PUBLISHED_FILE_NAME} "
            "another-name.duckdb) and build again."
        )
    if published.is_dir():
        return (
            f"{PUBLISHED_FILE_NAME} in the project folder is a folder; move it away "
            "so that the build can publish under that name."
        )
    if link.is_symlink():
        target = os.readlink(link)
        match = target.startswith(f"{RELEASES_FOLDER}/") and RELEASE_ID.fullmatch(
            target.removeprefix(f"{RELEASES_FOLDER}/")
        )
        if not match:
            return (
                f"{RELEASE_LINK} in the project folder is a link to {target}, not "
                f"to a release in {RELEASES_FOLDER}/: the build did not make it. "
                f"Remove the link (rm {RELEASE_LINK}) and build again."
            )
    elif link.exists():
        kind = "folder" if link.is_dir() else "file"
        return (
            f"{RELEASE_LINK} in the project folder is a {kind}, where the build "
            f"keeps a link to the published release: move it away (mv {RELEASE_LINK} "
            f"another-name) and build again."
        )
    return None


@dataclass(frozen=True)
class Published:
    """What publishing did, for the build's report."""

    release: Path
    previous: Path | None
    writers: list[Writer]
    migrated_file: bool
    moved_wal: Path | None
    removed: list[Path]
    kept_for_writers: list[Path]
    not_removed: list[tuple[Path, str]]
    strangers: list[Path]


def publish_release(
    project_dir: Path,
    scratch_release: Path,
    write_release_files: ReleaseWriter,
    aside_folder: Path,
) -> Published:
    """Publish `scratch_release` (a folder holding the checked database, on the same
    file system as the project) as the new release.

    Until the one rename of the `release` link, readers of the stable name see the
    previous release, complete; a failure or a kill before it publishes nothing.
    """
    previous = current_release(project_dir)
    published = project_dir / PUBLISHED_FILE_NAME
    writers = [w for w in _writers(project_dir, previous) if w is not None]

    write_release_files(scratch_release, previous)
    files.make_read_only(scratch_release)

    releases_folder = project_dir / RELEASES_FOLDER
    releases_folder.mkdir(exist_ok=True)
    release = releases_folder / scratch_release.name
    os.rename(scratch_release, release)
    files.fsync(releases_folder)

    files.replace_with_link(
        project_dir / RELEASE_LINK, f"{RELEASES_FOLDER}/{release.name}"
    )
    migrated = published.exists() and not published.is_symlink()
    if migrated or not published.is_symlink():
        files.replace_with_link(published, f"{RELEASE_LINK}/{PUBLISHED_FILE_NAME}")
    files.fsync(project_dir)

    moved_wal = _move_stale_wal(published, aside_folder)
    removed, kept_for_writers, not_removed = prune(project_dir, release, previous)
    return Published(
        release=release,
        previous=previous,
        writers=writers,
        migrated_file=migrated,
        moved_wal=moved_wal,
        removed=removed,
        kept_for_writers=kept_for_writers,
        not_removed=not_removed,
        strangers=strangers(project_dir),
    )


def _writers(project_dir: Path, previous: Path | None) -> list[Writer | None]:
    """Writers on what readers of the stable name see now: the current release's
    database, or the regular file of a project published before releases."""
    published = project_dir / PUBLISHED_FILE_NAME
    found = []
    if previous is not None:
        found.append(writer_on(previous / PUBLISHED_FILE_NAME))
    if published.is_file() and not published.is_symlink():
        found.append(writer_on(published))
    return found


def _move_stale_wal(published: Path, aside_folder: Path) -> Path | None:
    """Move a write-ahead log beside the stable name out of readers' way.

    DuckDB 1.1 does not resolve links: a 1.1 writer that opened the stable name keeps
    its log beside the link, where a 1.1 reader of the stable name would replay it
    into the new release. No release's log belongs there.
    """
    wal = published.with_name(published.name + WAL_SUFFIX)
    if not wal.exists() or wal.is_symlink():
        return None
    aside_folder.mkdir(parents=True, exist_ok=True)
    destination = aside_folder / f"{wal.name}.{new_release_id()}"
    os.replace(wal, destination)
    return destination


def prune(
    project_dir: Path, current: Path, previous: Path | None
) -> tuple[list[Path], list[Path], list[tuple[Path, str]]]:
    """Remove all but the current release and the few published before it. A
    release that a writer still holds is kept until a later build finds it free.
    A folder newer than the previous release that is not the current one was
    never published (a killed build moved it in): it goes too. Only release
    folders are touched (see `releases`); one that cannot be removed is returned
    with the reason, and stays."""
    published_before = [
        r
        for r in releases(project_dir)
        if previous is not None and r.name <= previous.name
    ]
    keep = set(published_before[-EARLIER_RELEASES_KEPT:]) | {current}
    removed: list[Path] = []
    kept_for_writers: list[Path] = []
    not_removed: list[tuple[Path, str]] = []
    for folder in releases(project_dir):
        if folder in keep:
            continue
        if writer_on(folder / PUBLISHED_FILE_NAME) is not None:
            kept_for_writers.append(folder)
            continue
        try:
            files.remove_tree(folder)
        except OSError as error:
            not_removed.append((folder, error.strerror or str(error)))
            continue
        removed.append(folder)
    return removed, kept_for_writers, not_removed
