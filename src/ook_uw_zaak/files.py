"""Every write, link swap, fsync and removal of the package, in one place, and
none of them ever follows a link out of the project.

- A file is written under a fresh scratch name in its own folder (created with
  O_EXCL and O_NOFOLLOW, so a link planted at that name is never written through)
  and renamed over its name: readers see the old file or the new one, whole.
- A link is made under a scratch name and renamed over its name, in one step.
- A removal removes a link itself, never what it points to.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO


def relative(path: Path, project_dir: Path) -> str:
    """`path` relative to the project folder, with forward slashes, when it lies
    inside it (for messages); else the path as given."""
    resolved, project = path.resolve(), project_dir.resolve()
    if resolved.is_relative_to(project):
        return resolved.relative_to(project).as_posix()
    return str(path)


def sql_literal(value: str | Path) -> str:
    """A string as an SQL string literal, for the few statements (ATTACH, COPY)
    that take no parameters."""
    return "'" + str(value).replace("'", "''") + "'"


def fsync(path: Path) -> None:
    """Flush a file's or a folder's content to disk, as far as the system lets."""
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _scratch_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.new")


@contextmanager
def replacing(path: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Write the text file `path` whole or not at all: yield a stream on a fresh
    scratch file beside it, then rename it over `path` (a link at `path` is
    replaced, not followed). On an error the scratch file is removed."""
    with _replacing(path, "w", encoding) as stream:
        yield stream


def replace_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write `text` as the file `path`, whole or not at all (see `replacing`)."""
    with replacing(path, encoding) as stream:
        stream.write(text)


def replace_bytes(path: Path, data: bytes) -> None:
    """Write `data` as the file `path`, whole or not at all (see `replacing`)."""
    with _replacing(path, "wb", None) as stream:
        stream.write(data)


@contextmanager
def _replacing(path: Path, mode: str, encoding: str | None) -> Iterator[IO]:
    scratch = _scratch_name(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove(scratch)
    descriptor = os.open(
        scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644
    )
    try:
        with os.fdopen(descriptor, mode, encoding=encoding) as stream:
            yield stream
        os.replace(scratch, path)
    except BaseException:
        remove(scratch)
        raise


def replace_with_link(path: Path, target: str | Path) -> None:
    """Make `path` a symbolic link to `target`, in one atomic rename."""
    scratch = _scratch_name(path)
    remove(scratch)
    scratch.symlink_to(target)
    os.replace(scratch, path)


def remove(path: Path) -> None:
    """Remove a file or a link (never what a link points to), if it is there."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def make_read_only(folder: Path) -> None:
    """Files 0444 and folders 0555 under `folder`, each flushed to disk; links are
    left as they are (a chmod would change what they point to)."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_symlink():
            continue
        path.chmod(0o555 if path.is_dir() else 0o444)
        fsync(path)
    folder.chmod(0o555)
    fsync(folder)


def remove_tree(folder: Path) -> None:
    """Remove a folder that may have been made read-only. A link is removed
    itself: what it points to is neither followed nor changed. Raises OSError
    when something in it cannot be removed."""
    if folder.is_symlink():
        folder.unlink()
        return
    if not folder.exists():
        return
    for path in [folder, *folder.rglob("*")]:  # rglob does not enter links
        if path.is_dir() and not path.is_symlink():
            with contextlib.suppress(OSError):
                path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IRWXU)
    shutil.rmtree(folder)


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
    added or removed file changes it; a link counts as the link it is."""
    digest = hashlib.sha256()
    for package in packages:
        try:
            installed = version(package)
        except PackageNotFoundError:
            installed = "not installed"
        digest.update(f"{package}=={installed}\n".encode())
    named: list[tuple[str, Path]] = [(name, root / name) for name in files]
    for folder, patterns in (folders or {}).items():
        for pattern in patterns:
            for path in (root / folder).rglob(pattern):
                named.append((path.relative_to(root).as_posix(), path))
    for label, extra in (extra_roots or {}).items():
        for path in extra.rglob("*"):
            if "__pycache__" not in path.parts:
                named.append((f"{label}/{path.relative_to(extra).as_posix()}", path))
    for label, path in sorted(set(named)):
        if path.is_symlink():
            digest.update(f"{label}\0link\0{os.readlink(path)}".encode())
        elif path.is_file():
            digest.update(label.encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
