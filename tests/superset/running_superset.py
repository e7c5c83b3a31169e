"""What both `make superset` tests share: `make superset` started in a project copy on
a port of its own, its REST API, headless Chromium on its dashboard, and the checks
of the shipped dashboard that hold on every TARGET (DashboardChecks)."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests" / "python"))

from support.project_copy import copy_project  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# Where the DuckDB dashboard's screenshot is kept (OOK_UW_ZAAK_SUPERSET_SCREENSHOT to
# change); the PostgreSQL one's beside it, its name ending in -postgresql.
SCREENSHOT = Path(
    os.environ.get(
        "OOK_UW_ZAAK_SUPERSET_SCREENSHOT",
        REPO_ROOT / "target" / "superset-dashboard.png",
    )
)
START_SECONDS = 900
CHART_COUNT = 7
DATASET_COUNT = 4


@dataclass(frozen=True)
class Route:
    """What `make superset` registers for one TARGET: its database's name in
    Superset, the shipped dashboard's slug, and where its screenshot goes."""

    database_name: str
    dashboard_slug: str
    screenshot: Path


DUCKDB = Route("ook_uw_zaak", "ook-uw-zaak", SCREENSHOT)
POSTGRES = Route(
    "ook_uw_zaak (PostgreSQL)",
    "ook-uw-zaak-postgresql",
    SCREENSHOT.with_name(f"{SCREENSHOT.stem}-postgresql{SCREENSHOT.suffix}"),
)


def project_copy(folder: Path) -> Path:
    """A copy of the project in `folder`, using the project's environment."""
    project = copy_project(REPO_ROOT, folder / "project")
    (project / ".venv").symlink_to(REPO_ROOT / ".venv")
    return project


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_environment(**changes: str) -> dict[str, str]:
    """This environment without what would point `make superset` elsewhere (a
    virtual environment, a DuckDB path, libpq's variables, the BI role's
    password), plus `changes`."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "OOK_UW_ZAAK_DUCKDB_PATH", "BI_READER_PASSWORD")
        and not key.startswith("PG")
    }
    environment.update(changes)
    return environment


class Superset:
    """`make superset` running in a project folder, on a port of its own."""

    def __init__(self, project: Path, port: int, *make_arguments: str) -> None:
        self.project = project
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = project / "superset-test.log"
        self.command = ["make", "--no-print-directory", "superset", *make_arguments]
        self.process: subprocess.Popen[bytes] | None = None

    def _launch(self, environment: dict[str, str] | None) -> None:
        env = make_environment() if environment is None else dict(environment)
        env["SUPERSET_PORT"] = str(self.port)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def _serves(self) -> bool:
        try:
            return requests.get(f"{self.url}/health", timeout=30).text == "OK"
        except requests.RequestException:
            return False

    def start(self, environment: dict[str, str] | None = None) -> float:
        """Start `make superset`; return the seconds until it answers."""
        started = time.monotonic()
        self._launch(environment)
        assert self.process is not None
        while time.monotonic() - started < START_SECONDS:
            if self.process.poll() is not None:
                pytest.fail(f"make superset stopped:\n{self.tail()}")
            if self._serves():
                return time.monotonic() - started
            time.sleep(2)
        pytest.fail(f"Superset did not answer in {START_SECONDS} s:\n{self.tail()}")

    def attempt(self, environment: dict[str, str]) -> tuple[int | None, str]:
        """Run `make superset` until it stops by itself, or serves (then stop it):
        return its exit code (None if it served) and what it printed."""
        offset = self.log.stat().st_size if self.log.exists() else 0
        started = time.monotonic()
        self._launch(environment)
        assert self.process is not None
        returncode: int | None = None
        while time.monotonic() - started < START_SECONDS:
            returncode = self.process.poll()
            if returncode is not None or self._serves():
                break
            time.sleep(2)
        self.stop()
        with self.log.open("rb") as log:
            log.seek(offset)
            return returncode, log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def password(self) -> str:
        return (self.project / ".superset" / "admin-password").read_text().strip()


class Api:
    """A logged-in REST API session (the JWT from /api/v1/security/login, then the
    CSRF token), as a script would use it."""

    def __init__(self, superset: Superset) -> None:
        self.url = superset.url
        self.session = requests.Session()
        login = self.session.post(
            f"{self.url}/api/v1/security/login",
            json={
                "username": "admin",
                "password": superset.password(),
                "provider": "db",
            },
            timeout=60,
        )
        assert login.ok, login.text
        self.session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        csrf = self.session.get(f"{self.url}/api/v1/security/csrf_token/", timeout=60)
        assert csrf.ok, csrf.text
        self.session.headers["X-CSRFToken"] = csrf.json()["result"]
        self.session.headers["Referer"] = self.url

    def get(self, path: str, **params: str) -> dict:
        response = self.session.get(
            f"{self.url}/api/v1/{path}", params=params, timeout=120
        )
        assert response.ok, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def post(self, path: str, body: dict) -> requests.Response:
        return self.session.post(f"{self.url}/api/v1/{path}", json=body, timeout=120)

    def put(self, path: str, body: dict) -> requests.Response:
        return self.session.put(f"{self.url}/api/v1/{path}", json=body, timeout=120)

    def sql(self, database_id: int, statement: str) -> requests.Response:
        """Run `statement` in SQL Lab, as its editor does."""
        return self.post(
            "sqllab/execute/",
            {"database_id": database_id, "sql": statement, "runAsync": False},
        )


def add_own_chart(api: Api) -> None:
    """A chart of the user's own, on a dataset of the shipped dashboard."""
    dataset = api.get("dataset/")["result"][0]
    own = api.post(
        "chart/",
        {
            "slice_name": "Eigen grafiek",
            "viz_type": "table",
            "datasource_id": dataset["id"],
            "datasource_type": "table",
            "params": json.dumps({"query_mode": "raw", "all_columns": []}),
        },
    )
    assert own.ok, own.text


class DashboardChecks:
    """The checks of `make superset` that hold on every TARGET, run on the second
    start (after a chart of the user's own was added), with the module's fixtures
    `superset`, `route`, `api`, `dashboard`, `charts` and `database_id`."""

    def test_state_is_private_and_the_password_never_logged(
        self, superset: Superset
    ) -> None:
        home = superset.project / ".superset"
        for name in ("admin-password", "secret-key"):
            assert (home / name).stat().st_mode & 0o777 == 0o600, name
        assert superset.password() not in superset.tail()
        assert "admin-password" in superset.tail()
        assert f"http://127.0.0.1:{superset.port}/" in superset.tail()

    def test_a_second_run_keeps_the_users_work_and_does_not_duplicate(
        self, api: Api
    ) -> None:
        names = [
            chart["slice_name"]
            for chart in api.get("chart/", q="(page_size:100)")["result"]
        ]
        assert "Eigen grafiek" in names
        assert len(names) == CHART_COUNT + 1, names
        assert api.get("dashboard/")["count"] == 1
        assert api.get("dataset/")["count"] == DATASET_COUNT

    def test_the_dashboard_has_every_chart(self, dashboard: dict, charts: dict) -> None:
        assert dashboard["published"] is True
        assert len(charts) == CHART_COUNT, sorted(charts)

    def test_whole_run_figures(self, charts: dict) -> None:
        rows = {row["label_nl"]: row for row in charts["De hele looptijd in cijfers"]}
        assert rows["E-scans"]["metric_value"] == 3091
        assert rows["Websitebezoekers"]["metric_value"] == 176260
        assert rows["Deelnemers aan infosessies"]["metric_value"] == 2822 + 2307

    def test_participants_per_year_with_pending_years_missing(
        self, charts: dict
    ) -> None:
        rows = {
            row["calendar_year"]: row
            for row in charts["Infosessies en deelnemers per jaar"]
        }
        assert rows[2018]["participants"] == 2822
        assert rows[2019]["participants"] == 2307
        for pending in (2020, 2021):
            assert rows[pending]["report_status"] == "pending"
            assert rows[pending]["participants"] is None
            assert rows[pending]["sessions"] is None

    def test_participants_per_province_add_up_to_the_year(self, charts: dict) -> None:
        rows = charts["Infosessies per provincie en jaar"]
        for year, total in ((2018, 2822), (2019, 2307)):
            assert (
                sum(r["participants"] for r in rows if r["calendar_year"] == year)
                == total
            )

    def test_online_activity_per_period(self, charts: dict) -> None:
        rows = charts["E-scans en websitebezoekers per maand, per periode"]
        assert sum(row["escans"] for row in rows) == 3091
        assert sum(row["website_visitors"] for row in rows) == 176260
        ratios = charts["E-scans per 1.000 websitebezoekers"]
        assert len(ratios) == len(rows)

    def test_sql_lab_reads_the_marts(self, api: Api, database_id: int) -> None:
        response = api.sql(
            database_id,
            "select sum(participants) as total from marts.fct_info_sessions_by_year",
        )
        assert response.ok, response.text
        assert response.json()["data"] == [{"total": 5129}]

    def test_sql_lab_refuses_writing(self, api: Api, database_id: int) -> None:
        # Superset refuses: the database is registered with DML off.
        response = api.sql(database_id, "create table x as select 1")
        assert not response.ok, response.text
        assert "DML_NOT_ALLOWED_ERROR" in response.text, response.text

    def test_chromium_draws_every_chart_of_the_dashboard(
        self, superset: Superset, route: Route, tmp_path: Path
    ) -> None:
        state = draw_dashboard(
            superset, route.dashboard_slug, tmp_path / "profile", route.screenshot
        )
        assert len(state) == CHART_COUNT, state
        assert not [c for c in state if c["error"]], state
        assert all(c["drawn"] for c in state), state


# --- Headless Chromium, driven over the DevTools protocol on a pipe -----------


class Browser:
    """Chromium with --remote-debugging-pipe: JSON messages ending in NUL on its
    file descriptors 3 (read) and 4 (write)."""

    def __init__(self, profile: Path) -> None:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Above 10, so that placing them on 3 and 4 in the child overwrites neither.
        high = [
            fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
            for fd in (to_browser_read, from_browser_write)
        ]

        def place() -> None:
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "--window-size=1600,2200",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=place,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (*high, to_browser_read, from_browser_write):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0

    def call(self, method: str, session: str | None = None, **params: object) -> dict:
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_browser, 1 << 20)
                assert chunk, "Chromium closed its pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._next_id:
                assert "error" not in answer, answer
                return answer["result"]

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


# What the page shows of each chart: its title, whether something is drawn in it
# (an ECharts canvas or a table's rows), and whether it shows an error.
CHART_STATE = """
JSON.stringify(Array.from(
  document.querySelectorAll('.dashboard-component-chart-holder')
).map(holder => ({
  title: (holder.querySelector('[data-test="editable-title"], .header-title')
          || {}).textContent || '',
  drawn: !!holder.querySelector('canvas, svg.echarts, table tbody tr'),
  loading: !!holder.querySelector('.loading, [data-test="loading-indicator"]'),
  error: !!holder.querySelector('.ant-alert-error, [data-test="error-message"]'),
})))
"""


def _session_cookie(superset: Superset) -> str:
    """Log in through the login form, as a person does; return the session cookie."""
    session = requests.Session()
    form = session.get(f"{superset.url}/login/", timeout=60).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, "no CSRF token in the login form"
    session.post(
        f"{superset.url}/login/",
        data={
            "csrf_token": token.group(1),
            "username": "admin",
            "password": superset.password(),
        },
        timeout=60,
    )
    me = session.get(f"{superset.url}/api/v1/me/", timeout=60)
    assert me.ok, me.text
    return session.cookies["session"]


def draw_dashboard(
    superset: Superset, slug: str, profile: Path, screenshot: Path
) -> list[dict]:
    """Open the dashboard in headless Chromium, logged in, until every chart is
    drawn or shows an error (three minutes at most); keep its screenshot; return
    what the page shows of each chart (CHART_STATE)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium is not installed ({CHROMIUM}; .ci/install-chromium)")
    cookie = _session_cookie(superset)
    browser = Browser(profile)
    try:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        page = browser.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        browser.call(
            "Network.setCookie", page, name="session", value=cookie, url=superset.url
        )
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            page,
            width=1600,
            height=2200,
            deviceScaleFactor=1,
            mobile=False,
        )
        browser.call(
            "Page.navigate", page, url=f"{superset.url}/superset/dashboard/{slug}/"
        )
        deadline = time.monotonic() + 180
        state: list[dict] = []
        while time.monotonic() < deadline:
            result = browser.call(
                "Runtime.evaluate", page, expression=CHART_STATE, returnByValue=True
            )
            state = json.loads(result["result"].get("value") or "[]")
            if len(state) == CHART_COUNT and all(
                c["drawn"] or c["error"] for c in state
            ):
                break
            time.sleep(2)
        time.sleep(3)  # let the charts' animations end before the screenshot
        shot = browser.call("Page.captureScreenshot", page, format="png")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        print(f"\nscreenshot: {screenshot}")
    finally:
        browser.close()
    return state
