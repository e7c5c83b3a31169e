"""The `.publish/` folder of a project: one lock so that two builds never run at
once, a scratch folder per build, and failed builds kept aside for inspection.

    .publish/build.lock          held (flock) by the build that is running
    .publish/build-<stamp>/      the build in progress; left behind only by a
                                 build that was killed, removed by the next one
    .publish/failed-<stamp>/     a failed build, kept (the newest few) to inspect
    .publish/published-<release id>/
                                 the build that published that release, without
                                 its scratch database: dbt's target folder
                                 (manifest.json, run_results.json, the
                                 documentation page, the SQL it ran), its log and
                                 output; kept for the releases that are kept
"""

from __future__ import annotations

import contextlib
import fcntl  # POSIX only, like the rename-over-an-open-file the publishing relies on
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ook_uw_zaak.files import remove_tree
from ook_uw_zaak.project import PUBLISH_FOLDER, RELEASES_FOLDER
from ook_uw_zaak.publish.releases import EARLIER_RELEASES_KEPT

LOCK_FILE = "build.lock"
BUILD_PREFIX = "build-"
FAILED_PREFIX = "failed-"
FAILED_BUILDS_KEPT = 5
PUBLISHED_PREFIX = "published-"
# As many as publish/releases.py keeps releases: the current one and those before it.
PUBLISHED_BUILDS_KEPT = EARLIER_RELEASES_KEPT + 1


class LockTimeoutError(RuntimeError):
    """Another build held the lock for longer than we were willing to wait."""


class PlantedLinkError(RuntimeError):
    """A name the build writes under is a link it did not make; the message says
    what to remove."""


@contextmanager
def exclusive_lock(
    publish_folder: Path,
    wait_seconds: float,
    on_wait: Callable[[str], None],
) -> Iterator[int]:
    """Hold the project's build lock; yield its file descriptor.

    The lock is an flock on an open file, so the kernel releases it when every
    process holding the descriptor ends, however it ends (SIGKILL included): there
    is never a stale lock to remove by hand. The dbt process inherits the
    descriptor, so a build killed while dbt runs keeps the lock until that dbt
    process has finished too; the next build waits for it instead of racing it.
    """
    publish_folder.mkdir(parents=True, exist_ok=True)
    lock_file = publish_folder / LOCK_FILE
    if lock_file.is_symlink():  # never opened through: it could truncate any file
        raise PlantedLinkError(
            f"{PUBLISH_FOLDER}/{LOCK_FILE} is a link (to {os.readlink(lock_file)}), "
            f"not the build's lock file. Remove the link (rm {PUBLISH_FOLDER}/"
            f"{LOCK_FILE}) and build again."
        )
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    held = False
    try:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    on_wait(_holder(descriptor))
                    told = True
                if time.monotonic() > deadline:
                    raise LockTimeoutError(_holder(descriptor)) from None
                time.sleep(0.25)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        held = True
        yield descriptor
    finally:
        if held:  # empty again: a finished build leaves the disk as it found it
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, 0)
        os.close(descriptor)  # releases the lock if we held it


def _holder(descriptor: int) -> str:
    """Who holds the lock, in words, from the process id written in the file."""
    text = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
    return f"process {text}" if text.isdigit() else "another process"


def remove_stale_builds(publish_folder: Path) -> list[Path]:
    """Remove the scratch folders of builds that were killed; call with the lock
    held (then no build is running, so every build-* folder is stale)."""
    stale = sorted(publish_folder.glob(BUILD_PREFIX + "*"))
    for folder in stale:
        with contextlib.suppress(OSError):  # tried again by the next build
            remove_tree(folder)
    return stale


def new_build_folder(publish_folder: Path) -> Path:
    """A fresh, empty scratch folder for one build."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    folder = publish_folder / f"{BUILD_PREFIX}{stamp}-{os.getpid()}"
    folder.mkdir()
    return folder


def keep_aside(build_folder: Path) -> Path:
    """Rename a failed build's folder to failed-<stamp>, and remove all but the
    newest few failed builds. Returns the new folder."""
    kept = build_folder.with_name(
        FAILED_PREFIX + build_folder.name.removeprefix(BUILD_PREFIX)
    )
    build_folder.rename(kept)
    _prune(build_folder.parent, FAILED_PREFIX, kept, FAILED_BUILDS_KEPT)
    return kept


def keep_published(
    build_folder: Path,
    release_id: str,
    database: Path | None = None,
    kept: int = PUBLISHED_BUILDS_KEPT,
) -> Path:
    """After publishing: remove the build's scratch database, if it has one (the
    release holds its copy), and keep the rest of its folder as
    published-<release id>, the newest `kept`. Returns the kept folder."""
    if database is not None:
        for scratch in (database, database.with_name(database.name + ".wal")):
            scratch.unlink(missing_ok=True)
    folder = build_folder.with_name(PUBLISHED_PREFIX + release_id)
    if folder.exists() or folder.is_symlink():
        remove_tree(folder)  # planted under the new release's name: not followed
    build_folder.rename(folder)
    _prune(build_folder.parent, PUBLISHED_PREFIX, folder, kept)
    return folder


def _prune(publish_folder: Path, prefix: str, newest: Path, kept: int) -> None:
    """Keep `newest` and the kept - 1 others of `prefix` whose names sort last
    (never `newest` itself, whatever the clock said when it was named)."""
    others = sorted(p for p in publish_folder.glob(prefix + "*") if p != newest)
    for old in others[: max(len(others) - (kept - 1), 0)]:
        with contextlib.suppress(OSError):  # tried again by the next build
            remove_tree(old)


def published_build(project_dir: Path, release_id: str) -> Path:
    """Where keep_published kept the build that published release `release_id`."""
    return project_dir / PUBLISH_FOLDER / (PUBLISHED_PREFIX + release_id)


def check_writable(project_dir: Path, publish_folder: Path) -> None:
    """Raise PermissionError unless the build can write where it must: its scratch
    folder, the project folder (where releases are published) and releases/."""
    publish_folder.mkdir(exist_ok=True)
    releases_folder = project_dir / RELEASES_FOLDER
    for folder in (publish_folder, project_dir, releases_folder):
        if folder == releases_folder and not folder.is_dir():
            continue  # made by the first release
        probe = folder / f".write-test-{os.getpid()}"
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(descriptor)
        probe.unlink()


def not_writable_message(project_dir: Path, error: PermissionError) -> str:
    """One sentence naming the folder that must be writable."""
    where = Path(error.filename).parent if error.filename else project_dir
    if where != project_dir and project_dir not in where.parents:
        where = project_dir
    shown = "the project folder" if where == project_dir else f"the folder {where}"
    return (
        f"The build cannot write in {shown} ({where}): make it writable for this "
        "user (the build keeps its scratch files in .publish/ and publishes "
        "ook_uw_zaak.duckdb, release and releases/ in the project folder), or "
        "build in a writable copy of the project; nothing was changed."
    )
