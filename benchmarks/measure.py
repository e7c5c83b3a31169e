"""Run a command and measure it: wall time, CPU time, peak memory, and when each
line of its output arrived (so that the steps of a build can be timed).

Peak memory is the larger of two figures: the peak resident memory of the
largest single process of the command (the kernel's count, from wait4: the
command and every descendant it waited for), and the peak of the whole process
tree's resident memory added up, sampled every 20 ms (processes that run at the
same time, such as `ook-uw-zaak build` and the dbt it starts, count together).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.02
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


@dataclass(frozen=True)
class Measurement:
    """One run of a command."""

    returncode: int
    wall_seconds: float
    cpu_seconds: float  # user + system, of the command and its descendants
    peak_mb: float
    largest_process_mb: float  # the largest single process alone (the kernel's count)
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds, line)

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def first_event_time(self, *names: str) -> float | None:
        """Seconds from the start to the first of dbt's JSON log events (one object
        a line, `--log-format json`) named one of `names`."""
        for seconds, line in self.lines:
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("info", {}).get("name") in names:
                return seconds
        return None

    def first_line_time(self, starts_with: str) -> float | None:
        """Seconds from the start to the first line that starts with (or, past a
        dbt time stamp, contains) `starts_with`."""
        for seconds, line in self.lines:
            if line.startswith(starts_with) or f"  {starts_with}" in line:
                return seconds
        return None


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, in kB (0 when
    /proc cannot tell)."""
    total, pending, seen = 0, [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
                total += int(statm.read().split()[1]) * _PAGE_KB
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(
                    f"/proc/{pid}/task/{task}/children", encoding="ascii"
                ) as kids:
                    pending.extend(int(child) for child in kids.read().split())
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return total


def run_measured(
    command: Sequence[str],
    cwd: Path,
    env: dict[str, str],
) -> Measurement:
    """Run `command` to its end, with its output (stdout and stderr together)
    captured line by line, and measure it."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    peak_tree_kb = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree_kb
        while not done.is_set():
            peak_tree_kb = max(peak_tree_kb, _tree_rss_kb(process.pid))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines: list[tuple[float, str]] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append((time.perf_counter() - start, line.rstrip("\n")))
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    # ru_maxrss is in kB on Linux: the largest single process of the tree.
    peak_kb = max(peak_tree_kb, usage.ru_maxrss)
    return Measurement(
        returncode=process.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_mb=peak_kb / 1024,
        largest_process_mb=usage.ru_maxrss / 1024,
        lines=lines,
    )


@dataclass(frozen=True)
class Spread:
    """The median of several figures, with the smallest and the largest."""

    median: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no figures to summarise")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def show(self, unit: str, decimals: int = 2) -> str:
        """'12.31 s (11.90-13.10)', or without the spread for a single run."""
        figure = f"{self.median:,.{decimals}f} {unit}".rstrip()
        if self.count == 1:
            return figure
        return f"{figure} ({self.low:,.{decimals}f}-{self.high:,.{decimals}f})"
