"""The build's progress, read from dbt's JSON log events: one line per phase without
a terminal, a bar of nodes done of the total on one."""

from __future__ import annotations

import io
import json

from ook_uw_zaak.dbt.progress import BuildProgress, event_text, parse_event


def _event(name: str, msg: str = "", **data: object) -> str:
    return json.dumps({"info": {"name": name, "msg": msg}, "data": data})


EVENTS = [
    _event("MainReportVersion", "Running with dbt=1.11.16", version="=1.11.16"),
    _event("FoundStats", stat_line="Found 2 models, 1 data test"),
    _event("LogStartLine", total=3, index=1, node_info={"node_name": "stg_a"}),
    _event("LogModelResult", total=3, index=1),
    _event("LogStartLine", total=3, index=2, node_info={"node_name": "fct_b"}),
    _event("LogModelResult", total=3, index=2),
    _event("LogStartLine", total=3, index=3, node_info={"node_name": "unique_b"}),
    _event("LogTestResult", index=3),
    _event("FinishedRunningStats", execution_time=1.25),
    # The same process then writes the documentation page, a command of its own.
    _event("MainReportVersion", "Running with dbt=1.11.16", version="=1.11.16"),
    _event("CatalogWritten", "Catalog written to target/catalog.json"),
]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_one_line_per_phase() -> None:
    stream = io.StringIO()
    with BuildProgress(stream) as progress:
        for line in EVENTS:
            event = parse_event(line)
            assert event is not None
            progress.update(event)
    assert stream.getvalue().splitlines() == [
        "    dbt 1.11.16 started",
        "    parsed: Found 2 models, 1 data test",
        "    building and testing 3 nodes...",
        "    3 of 3 nodes done in 1.2 s",
        "    documentation page written",
    ]


def test_on_a_terminal_nodes_done_of_the_total_and_the_current_step() -> None:
    stream = _Terminal()
    with BuildProgress(stream) as progress:
        for line in EVENTS[:5]:
            event = parse_event(line)
            assert event is not None
            progress.update(event)
        shown = stream.getvalue()
    assert "1/3" in shown and "fct_b" in shown
    assert progress.done == 1 and progress.total == 3


def test_a_line_that_is_not_an_event_is_kept_as_text() -> None:
    assert parse_event("Traceback (most recent call last):") is None
    event = parse_event(EVENTS[0])
    assert event is not None and event_text(event) == "Running with dbt=1.11.16"
