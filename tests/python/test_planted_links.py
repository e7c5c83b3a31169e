"""Nothing outside the project is created, changed or removed through a link that
someone planted in it, and a published release is never written again: each
case is planted in a project copy, and the command must refuse it in words (or
step around it) while the files outside, and every kept release, stay as they
were."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import copy_project, run_build
from ook_uw_zaak import files
from ook_uw_zaak.cli import main
from ook_uw_zaak.project import PUBLISH_FOLDER, PUBLISHED_FILE_NAME
from ook_uw_zaak.publish import releases
from ook_uw_zaak.publish.releases import RELEASE_LINK, RELEASES_FOLDER
from ook_uw_zaak.publish.workspace import LOCK_FILE
from support.publish_helpers import output_of


def _outside(tmp_path: Path) -> Path:
    """A folder outside the project, with what a user keeps there."""
    outside = tmp_path / "outside"
    (outside / "20200101T000000Z-1").mkdir(parents=True)
    (outside / "20200101T000000Z-1" / "precious.txt").write_text("mine", "utf-8")
    (outside / "build-20200101T000000-1").mkdir()
    (outside / "notes.txt").write_text("precious", "utf-8")
    return outside


def _state(folder: Path) -> dict[str, str]:
    """Every file below `folder` with a hash of its content."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


PLANTED = {
    # name planted in the project -> (what it points at, words of the refusal)
    RELEASES_FOLDER: ("folder", "releases in the project folder is a link"),
    PUBLISH_FOLDER: ("folder", ".publish in the project folder is a link"),
    f"{PUBLISH_FOLDER}/{LOCK_FILE}": (
        "notes",
        f"{PUBLISH_FOLDER}/{LOCK_FILE} is a link",
    ),
    PUBLISHED_FILE_NAME: ("notes", "not to the published release"),
    RELEASE_LINK: ("folder", "not to a release in releases/"),
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_link_stops_the_build_before_anything_runs(
    name: str, project_copy: Path, tmp_path: Path
) -> None:
    outside = _outside(tmp_path)
    before = _state(outside)
    kind, words = PLANTED[name]
    planted = project_copy / name
    planted.parent.mkdir(exist_ok=True)
    planted.symlink_to(outside if kind == "folder" else outside / "notes.txt")
    result = run_build(project_copy)
    assert result.returncode == 1, output_of(result)
    assert words in result.stderr, output_of(result)
    assert "Remove" in result.stderr or "Move it away" in result.stderr
    assert "Checking the seed files" not in result.stdout  # before anything ran
    assert _state(outside) == before
    assert planted.is_symlink()  # named, not removed: the user decides


def test_a_release_name_that_is_a_real_folder_stops_the_build(
    project_copy: Path,
) -> None:
    (project_copy / RELEASE_LINK).mkdir()
    (project_copy / RELEASE_LINK / "mine.txt").write_text("mine", "utf-8")
    result = run_build(project_copy)
    assert result.returncode == 1
    assert (
        "release in the project folder is a folder, where the build keeps a link"
    ) in result.stderr
    assert "Checking the seed files" not in result.stdout
    assert (project_copy / RELEASE_LINK / "mine.txt").read_text("utf-8") == "mine"


def test_what_a_user_put_in_releases_is_left_alone_and_named(
    project_copy: Path, built_warehouse: Path
) -> None:
    mine = project_copy / RELEASES_FOLDER / "my-notes"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("mine", "utf-8")
    result = run_build(project_copy)
    assert result.returncode == 0, output_of(result)
    assert (
        f"Note: {RELEASES_FOLDER}/my-notes is not a release of the build"
    ) in result.stdout
    assert (mine / "notes.txt").read_text("utf-8") == "mine"
    assert releases.strangers(project_copy) == [mine]


def test_an_old_release_that_cannot_be_removed_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"2020010{day}T000000Z-1" for day in range(1, 6)]
    for name in names:
        (tmp_path / RELEASES_FOLDER / name).mkdir(parents=True)

    def refuse(folder: Path) -> None:
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(files, "remove_tree", refuse)
    current = tmp_path / RELEASES_FOLDER / names[-1]
    previous = tmp_path / RELEASES_FOLDER / names[-2]
    removed, kept, not_removed = releases.prune(tmp_path, current, previous)
    assert removed == [] and kept == []
    assert not_removed == [
        (tmp_path / RELEASES_FOLDER / names[0], "Permission denied"),
        (tmp_path / RELEASES_FOLDER / names[1], "Permission denied"),
    ]


def test_release_ids_keep_their_order_when_the_clock_goes_back(
    tmp_path: Path,
) -> None:
    future = tmp_path / RELEASES_FOLDER / "29991231T235958Z-1"
    future.mkdir(parents=True)
    first = releases.new_release_id(tmp_path)
    assert first.startswith("29991231T235959Z-")
    (tmp_path / RELEASES_FOLDER / first).mkdir()
    assert releases.new_release_id(tmp_path).startswith("30000101T000000Z-")
    assert [r.name for r in releases.releases(tmp_path)] == [future.name, first]


def test_a_link_at_a_scratch_name_is_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious", "utf-8")
    target = tmp_path / "reports" / "index.html"
    target.parent.mkdir()
    scratch = target.with_name(f".{target.name}.{os.getpid()}.new")
    scratch.symlink_to(outside)
    files.replace_text(target, "<p>page</p>")
    assert outside.read_text("utf-8") == "precious"
    assert target.read_text("utf-8") == "<p>page</p>" and not target.is_symlink()
    assert not scratch.exists() and not scratch.is_symlink()


def test_a_link_at_a_binary_file_or_its_scratch_name_is_never_written_through(
    tmp_path: Path,
) -> None:
    """The parse cache the build copies, and any other binary file: replaced,
    never written through a link at its name or at its scratch name."""
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"precious")
    target = tmp_path / "target" / "partial_parse.msgpack"
    target.parent.mkdir()
    target.symlink_to(outside)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.new")
    scratch.symlink_to(outside)
    files.replace_bytes(target, b"cache")
    assert outside.read_bytes() == b"precious"
    assert target.read_bytes() == b"cache" and not target.is_symlink()
    assert not scratch.exists() and not scratch.is_symlink()


def test_make_macros_replaces_a_planted_link_instead_of_writing_through_it(
    tmp_path: Path,
) -> None:
    outside = _outside(tmp_path)
    before = _state(outside)
    project = copy_project(tmp_path / "project")
    generated = project / "macros" / "generated_rules.sql"
    expected = generated.read_text("utf-8")
    generated.unlink()
    generated.symlink_to(outside / "notes.txt")
    result = subprocess.run(
        [sys.executable, "-m", "ook_uw_zaak.dbt.generated_macros"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _state(outside) == before
    assert not generated.is_symlink() and generated.read_text("utf-8") == expected


def _sha256sum_check(release: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "--strict", "--quiet", "-c", "SHA256SUMS"],
        cwd=release,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_report_never_writes_into_a_published_release(
    built_warehouse: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = built_warehouse.parent
    release = built_warehouse.resolve().parent
    assert _sha256sum_check(release).returncode == 0
    through_link = tmp_path / "pages"
    through_link.symlink_to(release)
    monkeypatch.chdir(project)
    for output in (
        release,  # the current release, by its own path
        Path(RELEASES_FOLDER) / release.name / "report",
        Path(RELEASE_LINK),  # through the release link
        through_link,  # through a link of the user's
    ):
        arguments = ["report", "--database", str(built_warehouse)]
        assert main([*arguments, "--output", str(output)]) == 1, output
        assert "is inside the release folder" in capsys.readouterr().err
    assert _sha256sum_check(release).returncode == 0


def test_a_releases_folder_this_user_cannot_write_is_named() -> None:
    """Run as an ordinary user (root ignores file modes): a releases/ folder the
    user cannot write stops the build before anything runs, naming the folder."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root to run the build as user nobody (setpriv)")
    # Outside pytest's temporary folder, which only root may enter.
    base = Path(tempfile.mkdtemp(prefix="ook-uw-zaak-unprivileged-"))
    try:
        project = copy_project(base / "project")
        releases_folder = project / RELEASES_FOLDER
        (releases_folder / "20200101T000000Z-1").mkdir(parents=True)
        for path in [base, *base.rglob("*")]:
            if path != releases_folder and releases_folder not in path.parents:
                os.chown(path, 65534, 65534, follow_symlinks=False)
        releases_folder.chmod(0o755)  # root's: nobody may not write in it
        env = {k: v for k, v in os.environ.items() if k != "OOK_UW_ZAAK_DUCKDB_PATH"}
        result = subprocess.run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
            + [sys.executable, "-m", "ook_uw_zaak.cli", "build"],
            cwd=project,
            env={**env, "HOME": str(base)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, output_of(result)
        assert (
            f"The build cannot write in the folder {releases_folder}" in result.stderr
        ), output_of(result)
        assert "nothing was changed" in result.stderr
        assert "Checking the seed files" not in result.stdout
        assert [p.name for p in releases_folder.iterdir()] == ["20200101T000000Z-1"]
    finally:
        shutil.rmtree(base)
