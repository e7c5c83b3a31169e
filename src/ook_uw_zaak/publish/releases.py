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
import shutil
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ook_uw_zaak.project import PUBLISHED_FILE_NAME, RELEASE_LINK, RELEASES_FOLDER

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


def new_release_id() -> str:
    """A release id that sorts by time: UTC date and time, then the process id."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}"


def current_release(project_dir: Path) -> Path | None:
    """The folder of the published release, or None when there is none yet."""
    link = project_dir / RELEASE_LINK
    if not link.is_symlink():
        return None
    target = (project_dir / os.readlink(link)).resolve()
    return target if target.is_dir() else None


def releases(project_dir: Path) -> list[Path]:
    """Every release folder, oldest first."""
    folder = project_dir / RELEASES_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())


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


def make_read_only(folder: Path) -> None:
    """Files 0444 and folders 0555 under `folder`, each flushed to disk."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_symlink():
            continue
        path.chmod(0o555 if path.is_dir() else 0o444)
        _fsync(path)
    folder.chmod(0o555)
    _fsync(folder)


def _make_removable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            with contextlib.suppress(OSError):
                path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IRWXU)


def remove_tree(folder: Path) -> None:
    """Remove a folder that may have been made read-only. A link is removed
    itself: what it points to is neither followed nor changed."""
    if folder.is_symlink():
        folder.unlink()
        return
    if not folder.exists():
        return
    _make_removable(folder)
    shutil.rmtree(folder, ignore_errors=True)


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _replace_with_link(path: Path, target: str) -> None:
    """Make `path` a symbolic link to `target` in one atomic rename."""
    staged = path.with_name(f".{path.name}.{os.getpid()}.new")
    with contextlib.suppress(FileNotFoundError):
        staged.unlink()
    staged.symlink_to(target)
    os.replace(staged, path)


def stable_name_problem(project_dir: Path) -> str | None:
    """Why the stable name cannot become a link, or None."""
    published = project_dir / PUBLISHED_FILE_NAME
    if published.is_dir() and not published.is_symlink():
        return (
            f"{PUBLISHED_FILE_NAME} in the project folder is a folder; move it away "
            "so that the build can publish under that name"
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
    make_read_only(scratch_release)

    releases_folder = project_dir / RELEASES_FOLDER
    releases_folder.mkdir(exist_ok=True)
    release = releases_folder / scratch_release.name
    os.rename(scratch_release, release)
    _fsync(releases_folder)

    _replace_with_link(project_dir / RELEASE_LINK, f"{RELEASES_FOLDER}/{release.name}")
    migrated = published.exists() and not published.is_symlink()
    if migrated or not published.is_symlink():
        _replace_with_link(published, f"{RELEASE_LINK}/{PUBLISHED_FILE_NAME}")
    _fsync(project_dir)

    moved_wal = _move_stale_wal(published, aside_folder)
    removed, kept_for_writers = prune(project_dir, release, previous)
    return Published(
        release=release,
        previous=previous,
        writers=writers,
        migrated_file=migrated,
        moved_wal=moved_wal,
        removed=removed,
        kept_for_writers=kept_for_writers,
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
) -> tuple[list[Path], list[Path]]:
    """Remove all but the current release and the few published before it. A
    release that a writer still holds is kept until a later build finds it free.
    A folder newer than the previous release that is not the current one was
    never published (a killed build moved it in): it goes too."""
    published_before = [
        r
        for r in releases(project_dir)
        if previous is not None and r.name <= previous.name
    ]
    keep = set(published_before[-EARLIER_RELEASES_KEPT:]) | {current}
    removed: list[Path] = []
    kept_for_writers: list[Path] = []
    for folder in releases(project_dir):
        if folder in keep:
            continue
        if writer_on(folder / PUBLISHED_FILE_NAME) is not None:
            kept_for_writers.append(folder)
            continue
        remove_tree(folder)
        removed.append(folder)
    return removed, kept_for_writers
