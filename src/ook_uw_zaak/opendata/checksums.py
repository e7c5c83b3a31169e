"""SHA256SUMS: the checksum of every file of a release, in the format that
`sha256sum -c SHA256SUMS` reads (run inside the release folder)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ook_uw_zaak.opendata.names import CHECKSUM_FILE


def release_files(release_dir: Path) -> list[Path]:
    """Every file of the release (relative paths, sorted), SHA256SUMS excepted."""
    return sorted(
        path.relative_to(release_dir)
        for path in release_dir.rglob("*")
        if path.is_file() and path.name != CHECKSUM_FILE
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(release_dir: Path) -> Path:
    lines = []
    for relative in release_files(release_dir):
        if "\n" in str(relative) or "\\" in str(relative):
            raise ValueError(f"{relative} cannot be listed in {CHECKSUM_FILE}.")
        lines.append(f"{sha256_of(release_dir / relative)}  {relative.as_posix()}\n")
    target = release_dir / CHECKSUM_FILE
    target.write_text("".join(lines), encoding="utf-8")
    return target
