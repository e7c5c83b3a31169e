"""Whether the published release already is what a build would make, so that a
build that would change nothing publishes nothing.

A DuckDB build records, beside the kept artifacts of the release it published
(.publish/published-<release id>/), a fingerprint of everything the release is
made from: the seeds (their figures too), models, macros, tests, analyses, the
source documents, dbt_project.yml, profiles.yml and the lock file, the code of
this package (which writes the open-data files and the report), and the versions
of dbt, its adapter and DuckDB. The next build compares; when nothing differs, the
published release is reused if it is intact: every file still matches SHA256SUMS,
no file was added, and no program holds its database open for writing. Otherwise
the build says why and publishes a new release, as always.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import ook_uw_zaak
from ook_uw_zaak import files
from ook_uw_zaak.opendata.checksums import CHECKSUM_FILE, release_files, sha256_of
from ook_uw_zaak.project import PUBLISHED_FILE_NAME
from ook_uw_zaak.publish import workspace
from ook_uw_zaak.publish.releases import current_release, writer_on

# In the kept build folder of the release it describes.
INPUTS_FILE = "inputs.sha256"
_FILES = ("dbt_project.yml", "profiles.yml", "pyproject.toml", "uv.lock")
_FOLDERS = {
    "models": ("*.sql", "*.yml", "*.md"),
    "macros": ("*.sql", "*.yml", "*.md"),
    "tests": ("*.sql", "*.yml", "*.md"),
    "seeds": ("*.csv", "*.yml", "*.md"),
    "analyses": ("*.sql", "*.yml"),
    "docs/source": ("*",),
}
_PACKAGES = (
    "ook-uw-zaak",
    "dbt-core",
    "dbt-duckdb",
    "duckdb",
    "xlsxwriter",
    "jinja2",
    "babel",
)


def inputs_fingerprint(project_dir: Path) -> str:
    """The fingerprint of everything a DuckDB release is made from."""
    package = Path(ook_uw_zaak.__file__).parent
    return files.fingerprint(
        project_dir, _FILES, _FOLDERS, _PACKAGES, {"ook_uw_zaak": package}
    )


def record_inputs(build_folder: Path, inputs: str) -> None:
    """Record, in the build folder that is kept with its release, what the
    release was made from."""
    files.replace_text(build_folder / INPUTS_FILE, inputs + "\n", encoding="ascii")


@dataclass(frozen=True)
class Verdict:
    """`release` is the published release that may be reused (None: build);
    `reason` says why it may not, when that is worth telling."""

    release: Path | None
    reason: str = ""


def reusable_release(project_dir: Path, inputs: str) -> Verdict:
    """The published release, when it was made from exactly `inputs` and is
    intact; otherwise why a new release must be built."""
    release = current_release(project_dir)
    if release is None:
        return Verdict(None)
    kept = workspace.published_build(project_dir, release.name) / INPUTS_FILE
    try:
        recorded = kept.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return Verdict(None)
    if recorded != inputs:
        return Verdict(None)
    damage = _damage(release)
    if damage:
        return Verdict(
            None,
            f"Nothing changed since release {release.name}, but {damage}: "
            "building a new release.",
        )
    writer = writer_on(release / PUBLISHED_FILE_NAME)
    if writer is not None:
        return Verdict(
            None,
            f"Nothing changed since release {release.name}, but {writer.describe()} "
            "open for writing: building a new release.",
        )
    return Verdict(release)


def _damage(release: Path) -> str:
    """What no longer matches the release's SHA256SUMS, or "" when all does."""
    try:
        lines = (release / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return f"its {CHECKSUM_FILE} cannot be read"
    listed: dict[str, str] = {}
    for line in lines:
        checksum, _, name = line.partition("  ")
        listed[name] = checksum
    present = {path.as_posix() for path in release_files(release)}
    for name in sorted(present - set(listed)):
        return f"its file {name} is not in {CHECKSUM_FILE}"
    for name, checksum in sorted(listed.items()):
        path = release / name
        if name not in present or path.is_symlink():
            return f"its file {name} is missing"
        if not os.access(path, os.R_OK) or sha256_of(path) != checksum:
            return f"its file {name} no longer matches {CHECKSUM_FILE}"
    return ""
