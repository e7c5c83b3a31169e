"""The release files are published by `ook-uw-zaak build` together with the DuckDB
file, in the same release folder and by the same atomic swap: a rebuild writes a
changelog against the previous release, and a build that fails (in dbt, or while
writing the release files) leaves the previous release byte-identical."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import run_build
from ook_uw_zaak.files import remove_tree
from ook_uw_zaak.opendata.changelog import CHANGELOG_FILE, NOTHING_CHANGED
from ook_uw_zaak.opendata.checksums import CHECKSUM_FILE
from ook_uw_zaak.project import PUBLISHED_FILE_NAME
from ook_uw_zaak.publish import reuse, workspace
from ook_uw_zaak.publish.releases import (
    RELEASE_LINK,
    RELEASES_FOLDER,
    current_release,
)
from support.publish_helpers import output_of


def with_published_release(project_dir: Path, built_warehouse: Path) -> Path:
    """Put a copy of a built project's published release (the database and every
    release file) into a project copy, with its links; return the release."""
    source = built_warehouse.resolve().parent
    release = project_dir / RELEASES_FOLDER / source.name
    shutil.copytree(source, release, symlinks=True)
    (project_dir / RELEASE_LINK).symlink_to(f"{RELEASES_FOLDER}/{source.name}")
    (project_dir / PUBLISHED_FILE_NAME).symlink_to(
        f"{RELEASE_LINK}/{PUBLISHED_FILE_NAME}"
    )
    return release


def snapshot(project_dir: Path) -> dict[str, bytes]:
    """Every file under releases/ and where the two links point."""
    files = {
        path.relative_to(project_dir).as_posix(): path.read_bytes()
        for path in (project_dir / RELEASES_FOLDER).rglob("*")
        if path.is_file()
    }
    for link in (RELEASE_LINK, PUBLISHED_FILE_NAME):
        files[f"link {link}"] = os.readlink(project_dir / link).encode()
    return files


def sha256sum_check(release: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "--strict", "-c", CHECKSUM_FILE],
        cwd=release,
        capture_output=True,
        text=True,
        check=False,
    )


def test_build_publishes_the_release_files_with_the_database(
    built_warehouse: Path,
) -> None:
    release = built_warehouse.resolve().parent
    assert release.parent.name == RELEASES_FOLDER
    for name in (
        "data/csv/fct_programme_whole_run.csv",
        "ook_uw_zaak.xlsx",
        "datapackage.json",
        "dcat.jsonld",
        "index.html",
        CHANGELOG_FILE,
    ):
        assert (release / name).is_file(), name
    check = sha256sum_check(release)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{PUBLISHED_FILE_NAME}: OK" in check.stdout  # the database is covered
    assert "First release" in (release / CHANGELOG_FILE).read_text("utf-8")


def test_identical_rebuild_publishes_a_changelog_saying_nothing_changed(
    project_copy: Path, built_warehouse: Path
) -> None:
    previous = with_published_release(project_copy, built_warehouse)
    result = run_build(project_copy)
    assert result.returncode == 0, output_of(result)
    release = (project_copy / RELEASE_LINK).resolve()
    assert release != previous.resolve()
    changelog = (release / CHANGELOG_FILE).read_text("utf-8")
    assert previous.name in changelog
    assert NOTHING_CHANGED in changelog
    check = sha256sum_check(release)
    assert check.returncode == 0, check.stdout + check.stderr
    # The build that published it is kept beside it, with dbt's artifacts and
    # without its scratch database.
    kept = workspace.published_build(project_copy, release.name)
    for artifact in ("manifest.json", "run_results.json", "static_index.html"):
        assert (kept / "target" / artifact).is_file(), artifact
    assert not list(kept.glob("*.duckdb*"))


def test_published_builds_are_kept_for_the_kept_releases_only(tmp_path: Path) -> None:
    publish_folder = tmp_path / ".publish"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the project's", "utf-8")
    publish_folder.mkdir()
    *earlier, new = [
        f"{workspace.PUBLISHED_PREFIX}{year}0101T000000Z-1"
        for year in (2020, 2021, 2022, 2023)
    ]
    for name in earlier:
        (publish_folder / name).mkdir()
    # Links planted among them, one under the new release's name, are removed,
    # never followed.
    (publish_folder / f"{workspace.PUBLISHED_PREFIX}00000000").symlink_to(outside)
    (publish_folder / new).symlink_to(outside)
    build = publish_folder / "build-1"
    (build / "target").mkdir(parents=True)
    database = build / PUBLISHED_FILE_NAME
    database.write_bytes(b"scratch")
    database.with_name(PUBLISHED_FILE_NAME + ".wal").write_bytes(b"log")

    kept = workspace.keep_published(
        build, new.removeprefix(workspace.PUBLISHED_PREFIX), database
    )

    assert kept == publish_folder / new
    assert not build.exists()
    assert sorted(p.name for p in kept.iterdir()) == ["target"]
    assert (
        sorted(p.name for p in publish_folder.iterdir())
        == [*earlier, new][-workspace.PUBLISHED_BUILDS_KEPT :]
    )
    assert workspace.PUBLISHED_BUILDS_KEPT == 3  # the current release and two before
    assert (outside / "keep.txt").read_text("utf-8") == "not the project's"


def test_removing_a_planted_link_leaves_what_it_points_to(tmp_path: Path) -> None:
    # A release (or kept build) that is a link to a folder elsewhere: pruning it
    # removes the link, and neither removes nor unlocks what it points to.
    outside = tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    (outside / "inner" / "keep.txt").write_text("not the project's", "utf-8")
    (outside / "inner").chmod(0o555)
    link = tmp_path / RELEASES_FOLDER / "20200101T000000Z-1"
    link.parent.mkdir()
    link.symlink_to(outside)
    remove_tree(link)
    assert not link.is_symlink()
    assert (outside / "inner" / "keep.txt").read_text("utf-8") == "not the project's"
    assert (outside / "inner").stat().st_mode & 0o777 == 0o555
    (outside / "inner").chmod(0o755)


def test_failed_builds_leave_the_previous_release_byte_identical(
    project_copy: Path, built_warehouse: Path
) -> None:
    with_published_release(project_copy, built_warehouse)
    before = snapshot(project_copy)

    # A failed data test: a negative count.
    seed = project_copy / "seeds" / "answer" / "answer_info_sessions.csv"
    original = seed.read_text("utf-8")
    seed.write_text(original.replace("LIM,2019,9,249", "LIM,2019,-9,249"), "utf-8")
    assert "LIM,2019,-9,249" in seed.read_text("utf-8")
    result = run_build(project_copy)
    assert result.returncode == 1, output_of(result)
    assert snapshot(project_copy) == before
    seed.write_text(original, "utf-8")

    # dbt passes, but the release files cannot be written: the exposure that lists
    # the released marts is gone.
    (project_copy / "models" / "marts" / "_release__exposures.yml").unlink()
    result = run_build(project_copy)
    assert result.returncode == 1, output_of(result)
    assert "open_data_release" in output_of(result)
    assert snapshot(project_copy) == before


def test_a_build_that_changes_nothing_publishes_nothing(
    project_copy: Path, built_warehouse: Path
) -> None:
    """Same inputs as the published release: nothing is built, the release stays.
    A damaged release is rebuilt, saying why; --force always builds."""
    release = with_published_release(project_copy, built_warehouse)
    recorded = (
        workspace.published_build(built_warehouse.parent, release.name)
        / reuse.INPUTS_FILE
    )
    kept = workspace.published_build(project_copy, release.name)
    kept.mkdir(parents=True)
    shutil.copy(recorded, kept)
    before = snapshot(project_copy)

    result = run_build(project_copy)
    assert result.returncode == 0, output_of(result)
    assert f"Nothing changed since release {release.name}" in result.stdout
    assert "nothing was built" in result.stdout
    assert snapshot(project_copy) == before

    # A release file changed after publishing: the release is not reused.
    changelog = release / "CHANGELOG.md"
    changelog.chmod(0o644)
    changelog.write_text(changelog.read_text("utf-8") + "\nforged\n", "utf-8")
    result = run_build(project_copy)
    assert result.returncode == 0, output_of(result)
    assert (
        f"Nothing changed since release {release.name}, but its file CHANGELOG.md "
        "no longer matches SHA256SUMS: building a new release."
    ) in result.stdout
    rebuilt = current_release(project_copy)
    assert rebuilt is not None and rebuilt.name != release.name
    assert sha256sum_check(rebuilt).returncode == 0

    # The new release recorded its inputs: the next build reuses it ...
    result = run_build(project_copy)
    assert f"Nothing changed since release {rebuilt.name}" in result.stdout
    # ... unless forced.
    result = run_build(project_copy, "--force")
    assert result.returncode == 0, output_of(result)
    forced = current_release(project_copy)
    assert forced is not None and forced.name not in (release.name, rebuilt.name)


def test_the_inputs_fingerprint_follows_what_a_release_is_made_from(
    project_copy: Path,
) -> None:
    first = reuse.inputs_fingerprint(project_copy)
    # Build output and releases are not inputs.
    (project_copy / "target").mkdir(exist_ok=True)
    (project_copy / "target" / "scratch.txt").write_text("x", "utf-8")
    assert reuse.inputs_fingerprint(project_copy) == first
    # A seed's figure, a source document and an analysis are.
    for name in (
        "seeds/answer/answer_info_sessions.csv",
        "docs/source/parliamentary_answer.txt",
        "analyses/q3_escans_by_period.sql",
    ):
        path = project_copy / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert reuse.inputs_fingerprint(project_copy) != first, name
        path.write_bytes(original)
    assert reuse.inputs_fingerprint(project_copy) == first
