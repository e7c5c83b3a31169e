"""The publishing build runs dbt's unit tests again exactly when something they
depend on changed (unit_tests.py): the SQL, the YAML, dbt's version; never for
a change in the seeds' figures alone."""

from __future__ import annotations

from pathlib import Path

from conftest import copy_project, run_build
from ook_uw_zaak.dbt import unit_tests
from support.publish_helpers import output_of

SKIPPED = "The unit tests passed on this very SQL before"
MONTHS_MACRO = "macros/months_in_period.sql"


def _fingerprint_after(project_dir: Path, path: str, change: str) -> str:
    file = project_dir / path
    file.write_text(file.read_text(encoding="utf-8") + change, encoding="utf-8")
    return unit_tests.fingerprint(project_dir)


def test_only_the_logic_changes_the_fingerprint(tmp_path: Path) -> None:
    project_dir = copy_project(tmp_path / "project")
    first = unit_tests.fingerprint(project_dir)
    assert unit_tests.fingerprint(project_dir) == first
    # The seeds' figures are not what the unit tests read.
    seed = "seeds/answer/answer_info_sessions.csv"
    assert _fingerprint_after(project_dir, seed, "ANT,2020,1,2,2\n") == first
    seen = {first}
    for path in (
        "models/marts/programme/fct_programme_whole_run.sql",
        MONTHS_MACRO,
        "models/staging/_staging__unit_tests.yml",
        "seeds/_seeds.yml",
        "tests/generic/non_negative.sql",
        "dbt_project.yml",
    ):
        changed = _fingerprint_after(project_dir, path, "\n-- changed\n")
        assert changed not in seen, path
        seen.add(changed)


def test_the_record_holds_only_for_the_same_logic(tmp_path: Path) -> None:
    assert not unit_tests.passed_before(tmp_path, "abc")  # no record
    # A link planted at the record's name is replaced, not written through.
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("untouched\n")
    (tmp_path / unit_tests.RECORD).parent.mkdir()
    (tmp_path / unit_tests.RECORD).symlink_to(elsewhere)
    unit_tests.record_passed(tmp_path, "abc")
    assert elsewhere.read_text() == "untouched\n"
    assert unit_tests.passed_before(tmp_path, "abc")
    assert not unit_tests.passed_before(tmp_path, "abd")


def test_changed_sql_runs_the_unit_tests_again_and_a_failure_stops_the_build(
    project_copy: Path, built_warehouse: Path
) -> None:
    """The copy has the record of the shared build (as a project built once
    has): with its SQL unchanged, the unit tests would be skipped. A changed macro
    brings them back, and the one that no longer holds fails the build."""
    current = unit_tests.fingerprint(project_copy)
    assert unit_tests.passed_before(project_copy, current)
    macro = project_copy / MONTHS_MACRO
    text = macro.read_text(encoding="utf-8")
    assert "+ 1 as integer" in text, "months_in_period changed: update this test"
    macro.write_text(text.replace("+ 1 as integer", "+ 2 as integer"), "utf-8")

    result = run_build(project_copy)

    output = output_of(result)
    assert result.returncode == 1, output[-4000:]
    assert SKIPPED not in output
    assert (
        "the unit test 'periods_get_their_months_and_reported_year' of model "
        "'stg_answer__escans' failed"
    ) in output, output[-4000:]
    assert not unit_tests.passed_before(
        project_copy, unit_tests.fingerprint(project_copy)
    )
