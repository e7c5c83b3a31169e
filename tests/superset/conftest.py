"""The fixtures both `make superset` tests share, on the module's own `superset`
(a running `make superset`) and `route` (what it registers), and the closing line
of `make superset-test`: how many checks passed and failed."""

from __future__ import annotations

import pytest
from running_superset import Api, Route, Superset


@pytest.fixture(scope="module")
def api(superset: Superset) -> Api:
    return Api(superset)


@pytest.fixture(scope="module")
def dashboard(api: Api, route: Route) -> dict:
    found = api.get("dashboard/")["result"]
    shipped = [each for each in found if each["slug"] == route.dashboard_slug]
    assert len(shipped) == 1, found
    return api.get(f"dashboard/{shipped[0]['id']}")["result"]


@pytest.fixture(scope="module")
def charts(api: Api, dashboard: dict) -> dict[str, list[dict]]:
    """Each chart of the dashboard: its data from the chart data API, by title."""
    listed = api.get(f"dashboard/{dashboard['id']}/charts")["result"]
    return {
        chart["slice_name"]: api.get(f"chart/{chart['id']}/data/")["result"][0]["data"]
        for chart in listed
    }


@pytest.fixture(scope="module")
def database_id(api: Api, route: Route) -> int:
    """The id of the one database registered: the route's."""
    databases = api.get("database/")["result"]
    assert [each["database_name"] for each in databases] == [route.database_name]
    return databases[0]["id"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    passed = len(terminalreporter.stats.get("passed", []))
    failed = len(terminalreporter.stats.get("failed", [])) + len(
        terminalreporter.stats.get("error", [])
    )
    terminalreporter.write_line(f"{passed} passed, {failed} failed")
