"""File operations shared by the whole package: fingerprints of project files.

(Writes, link swaps, fsync and removals that refuse to follow a link out of the
project also belong here.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def fingerprint(
    root: Path,
    files: Iterable[str] = (),
    folders: Mapping[str, Iterable[str]] | None = None,
    packages: Iterable[str] = (),
    extra_roots: Mapping[str, Path] | None = None,
) -> str:
    """A SHA-256 over the named files below `root`, the files matching each
    folder's patterns (recursively), every file below each extra root, and the
    installed versions of `packages`. Paths and contents both count, so a renamed,
    added or removed file changes it; a missing file is simply not there."""
    digest = hashlib.sha256()
    for package in packages:
        try:
            installed = version(package)
        except PackageNotFoundError:
            installed = "not installed"
        digest.update(f"{package}=={installed}\n".encode())
    named: list[tuple[str, Path]] = []
    for name in files:
        named.append((name, root / name))
    for folder, patterns in (folders or {}).items():
        for pattern in patterns:
            for path in (root / folder).rglob(pattern):
                named.append((path.relative_to(root).as_posix(), path))
    for label, extra in (extra_roots or {}).items():
        for path in extra.rglob("*"):
            if "__pycache__" not in path.parts:
                named.append((f"{label}/{path.relative_to(extra).as_posix()}", path))
    for label, path in sorted(set(named)):
        if path.is_symlink():  # counted as the link it is, never followed
            digest.update(label.encode() + b"\0link\0" + str(path.readlink()).encode())
        elif path.is_file():
            digest.update(label.encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
