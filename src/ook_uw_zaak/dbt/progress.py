"""How far a running `dbt build` is, read from dbt's structured log events
(`--log-format json`, one JSON object a line), never from its English text.

On a terminal: a progress bar of nodes done of the total, with the current step.
Without one (CI, a log file): one line per phase (started, parsed, building N nodes,
finished, documentation written), so that a log stays short and readable."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from tqdm import tqdm

# dbt's events that end one node: a seed, model, snapshot or test, or one skipped.
NODE_DONE_EVENTS = {
    "LogSeedResult",
    "LogModelResult",
    "LogSnapshotResult",
    "LogTestResult",
    "LogNodeResult",
    "LogNodeNoOpResult",
    "SkippingDetails",
}


def parse_event(line: str) -> dict[str, Any] | None:
    """One dbt JSON log line as a dict, or None for a line that is not one."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "info" in event else None


def event_name(event: dict[str, Any]) -> str:
    return str(event.get("info", {}).get("name", ""))


def event_text(event: dict[str, Any]) -> str:
    """What dbt would have printed for the event, in words."""
    return str(event.get("info", {}).get("msg", ""))


class BuildProgress:
    """Shows the progress of one dbt build from its events."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.bar: tqdm | None = None
        self.done = 0
        self.total = 0
        self.started = False

    def __enter__(self) -> BuildProgress:
        return self

    def __exit__(self, *_: object) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def update(self, event: dict[str, Any]) -> None:
        name, data = event_name(event), event.get("data") or {}
        if name == "MainReportVersion" and not self.started:
            # Once: the build's dbt process runs parse, build and docs generate.
            self.started = True
            self._line(f"    dbt {data.get('version', '').lstrip('=')} started")
        elif name == "FoundStats":
            self._line(f"    parsed: {data.get('stat_line', '')}")
        elif name == "LogStartLine":
            self._started(data)
        elif name in NODE_DONE_EVENTS:
            self.done += 1
            if self.bar is not None:
                self.bar.update(1)
        elif name == "FinishedRunningStats":
            self.__exit__()
            self._line(
                f"    {self.done} of {self.total} nodes done in "
                f"{float(data.get('execution_time') or 0):.1f} s"
            )
        elif name == "CatalogWritten":
            self._line("    documentation page written")

    def _started(self, data: dict[str, Any]) -> None:
        total = int(data.get("total") or 0)
        if total and not self.total:
            self.total = total
            if self.interactive:
                self.bar = tqdm(total=total, file=self.stream, unit="node", leave=False)
            else:
                self._line(f"    building and testing {total} nodes...")
        if self.bar is not None:
            node = (data.get("node_info") or {}).get("node_name", "")
            self.bar.set_description_str(f"    {node[:40]}", refresh=True)
