"""How much disk space a build needs, and telling a full disk in plain words.

A build writes dbt's scratch database, its DuckDB 1.1 copy (the new release), dbt's
artifacts and log, all on the disk of the project folder. Measured on the
published warehouse (a 6 MB release): the scratch folder peaks at about 20 MB.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from ook_uw_zaak.dbt.runner import OUTPUT_FILE
from ook_uw_zaak.project import PUBLISHED_FILE_NAME

# What a build of the published seeds needs at least, and how much it needs per
# byte of the current release's database (the scratch database and the copy).
MINIMUM_BUILD_BYTES = 64_000_000
BYTES_PER_RELEASE_BYTE = 4
# Less free space than this after a failed build: the disk filled up.
NEARLY_FULL_BYTES = 4 * 1024 * 1024
# How much of dbt's output and log is searched for the sign of a full disk.
_TAIL_BYTES = 256 * 1024
_FULL_DISK_SIGNS = (
    "no space left on device",
    "disk is full",
    "disk quota exceeded",
    "errno 28",
)


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB"


def space_needed(current_release: Path | None) -> int:
    """About how many bytes a build needs on the project's disk."""
    database = (current_release / PUBLISHED_FILE_NAME) if current_release else None
    size = database.stat().st_size if database and database.is_file() else 0
    return max(MINIMUM_BUILD_BYTES, BYTES_PER_RELEASE_BYTE * size)


def disk_full_message(project_dir: Path, current_release: Path | None) -> str:
    free = shutil.disk_usage(project_dir).free
    return (
        f"The disk that holds the project folder is full: {megabytes(free)} free, "
        f"and a build needs about {megabytes(space_needed(current_release))}. "
        "Free some space on that disk and build again."
    )


def disk_space_problem(project_dir: Path, current_release: Path | None) -> str | None:
    """A message when the project's disk has less free space than a build needs."""
    if shutil.disk_usage(project_dir).free >= space_needed(current_release):
        return None
    return disk_full_message(project_dir, current_release) + " Nothing was built."


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - _TAIL_BYTES))
            return handle.read().decode("utf-8", errors="replace").lower()
    except OSError:
        return ""


def dbt_ran_out_of_space(build_folder: Path) -> bool:
    """Whether dbt's output or log tells of a full disk, or the disk is (nearly)
    full now (then dbt may not even have been able to write why it stopped)."""
    if shutil.disk_usage(build_folder).free < NEARLY_FULL_BYTES:
        return True
    text = _tail(build_folder / OUTPUT_FILE) + _tail(build_folder / "logs" / "dbt.log")
    return any(sign in text for sign in _FULL_DISK_SIGNS)


def means_full_disk(error: BaseException, folder: Path) -> bool:
    """Whether an error while publishing came from a full disk: an OSError of a
    full disk, a message that says so (DuckDB words it in its own exceptions), or
    a disk with next to no space left."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if any(sign in str(error).lower() for sign in _FULL_DISK_SIGNS):
        return True
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL_BYTES
    except OSError:
        return False
