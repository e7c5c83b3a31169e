"""The headline mart fct_programme_whole_run holds the whole run's figures, summed by
hand from the answer's tables, and the README's query of it runs as written."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Summed by hand from the answer: info sessions 89 + 73, participants 2822 + 2307
# (question 2, rows "tot" of 2018 and 2019); e-scans 1138 + 173 + 839 + 295 + 646 =
# 3091 and visitors 50668 + 5051 + 30359 + 34384 + 55798 = 176260 (questions 3 and
# 4, rows "Totaal"), over November 2015 to December 2020: 14 + 4 x 12 = 62 months.
INFO_SPAN = (date(2018, 1, 1), date(2019, 12, 31), 24, "partly_pending", "2020, 2021")
ONLINE_SPAN = (date(2015, 11, 1), date(2020, 12, 31), 62, "available", None)
EXPECTED = {
    "sessions": (162.0, *INFO_SPAN),
    "participants": (5129.0, *INFO_SPAN),
    "participants_per_session": (5129 / 162, *INFO_SPAN),
    "escans": (3091.0, *ONLINE_SPAN),
    "website_visitors": (176260.0, *ONLINE_SPAN),
    "escans_per_1000_website_visitors": (3091 * 1000 / 176260, *ONLINE_SPAN),
    "escans_per_month": (3091 / 62, *ONLINE_SPAN),
    "website_visitors_per_month": (176260 / 62, *ONLINE_SPAN),
}


def test_whole_run_figures_match_the_answer(built_warehouse: Path) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select metric, metric_value, span_start_date, span_end_date, "
            "months_in_span, status, years_pending "
            "from marts.fct_programme_whole_run order by metric_order"
        ).fetchall()
    assert [row[0] for row in rows] == list(EXPECTED)
    for metric, value, *rest in rows:
        expected_value, *expected_rest = EXPECTED[metric]
        assert value == pytest.approx(expected_value, rel=1e-12), metric
        assert rest == expected_rest, metric


def test_whole_run_has_dutch_and_english_words(built_warehouse: Path) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        missing = connection.execute(
            "select metric from marts.fct_programme_whole_run where "
            "label_nl is null or label_en is null or unit_nl is null "
            "or unit_en is null or description_nl is null or description_en is null"
        ).fetchall()
    assert missing == []


def test_readme_whole_run_query_runs_as_written(built_warehouse: Path) -> None:
    readme = (REPO_ROOT / "docs" / "querying.md").read_text(encoding="utf-8")
    section = readme.split("**The whole run at a glance**", 1)[1]
    query = re.search(r"```sql\n(.*?)```", section, re.DOTALL)
    assert query is not None, "the README lost its whole-run query"
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        rows = connection.execute(query.group(1)).fetchall()
    labels = [row[0] for row in rows]
    assert labels[:2] == ["Info sessions", "Info-session participants"]
    assert [round(row[1], 2) for row in rows] == [
        162.0,
        5129.0,
        31.66,
        3091.0,
        176260.0,
        17.54,
        49.85,
        2842.9,
    ]
