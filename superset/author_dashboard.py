"""Create the shipped dashboard once, through Superset's REST API, and export it.

Only for changing the dashboard: run `make superset` with an empty
superset/dashboard/ folder, then, with Superset's interpreter,
`python superset/author_dashboard.py URL PASSWORD_FILE` writes the export, unzipped,
into superset/dashboard/ (the database's URI replaced by a placeholder, which
`superset/serve.py` replaces with this machine's at import). Commit the YAML.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import requests
import yaml

HERE = Path(__file__).resolve().parent
DASHBOARD = HERE / "dashboard"
DATABASE_NAME = "ook_uw_zaak"
URI_PLACEHOLDER = "duckdb:///ook_uw_zaak.duckdb"
TITLE = "Het internet. Ook uw zaak.: infosessies en online activiteit"
# The columns' Dutch names, shown as the tables' headers.
DUTCH_COLUMNS = {
    "label_nl": "Cijfer",
    "metric_value": "Waarde",
    "unit_nl": "Eenheid",
    "span_start_date": "Van",
    "span_end_date": "Tot en met",
    "status": "Status",
    "years_pending": "Jaren in afwachting",
    "calendar_year": "Jaar",
    "report_status": "Rapportering",
    "sessions": "Sessies",
    "participants": "Deelnemers",
    "participants_per_session": "Deelnemers per sessie",
    "province_code": "Provincie",
    "participants_per_100000_inhabitants": "Deelnemers per 100.000 inwoners",
    "period_label": "Periode",
    "months_in_period": "Maanden",
    "escans": "E-scans",
    "website_visitors": "Websitebezoekers",
    "escans_per_month": "E-scans per maand",
    "website_visitors_per_month": "Websitebezoekers per maand",
    "escans_per_1000_website_visitors": "E-scans per 1.000 websitebezoekers",
    "reported_year": "Jaar",
}


class Api:
    def __init__(self, url: str, password: str) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        login = self.session.post(
            f"{self.url}/api/v1/security/login",
            json={"username": "admin", "password": password, "provider": "db"},
        )
        login.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        csrf = self.session.get(f"{self.url}/api/v1/security/csrf_token/")
        csrf.raise_for_status()
        self.session.headers["X-CSRFToken"] = csrf.json()["result"]
        self.session.headers["Referer"] = self.url

    def call(self, method: str, path: str, **kwargs: object) -> dict:
        response = self.session.request(method, f"{self.url}/api/v1/{path}", **kwargs)
        if not response.ok:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else {}


def metric(expression: str, label: str) -> dict:
    return {"expressionType": "SQL", "sqlExpression": expression, "label": label}


def column(name: str, label: str | None = None) -> dict:
    return {"expressionType": "SQL", "sqlExpression": name, "label": label or name}


def raw_table(
    name: str,
    table: str,
    columns: list[str],
    order_by: list[str],
    number_formats: dict[str, str],
    row_limit: int = 100,
) -> dict:
    """A table of the dataset's rows: `columns` in this order, sorted by the
    columns of `order_by`, the columns of `number_formats` in their d3 format."""
    return {
        "name": name,
        "table": table,
        "viz_type": "table",
        "params": {
            "query_mode": "raw",
            "all_columns": columns,
            "order_by_cols": [json.dumps([key, True]) for key in order_by],
            "row_limit": row_limit,
            "column_config": {
                key: {"d3NumberFormat": number_format}
                for key, number_format in number_formats.items()
            },
        },
        "query": {
            "columns": columns,
            "orderby": [[key, True] for key in order_by],
        },
    }


def bar_chart(
    name: str,
    table: str,
    x_axis: str,
    measure: dict,
    groupby: list[str],
    row_limit: int,
    **params: object,
) -> dict:
    """Bars of one `measure` per value of `x_axis` (in its order), a series per
    value of `groupby`; `params` are the chart's other form data."""
    return {
        "name": name,
        "table": table,
        "viz_type": "echarts_timeseries_bar",
        "params": {
            "x_axis": x_axis,
            "metrics": [measure],
            "groupby": groupby,
            "row_limit": row_limit,
            "x_axis_sort_asc": True,
            **params,
        },
        "query": {
            "columns": [x_axis, *groupby],
            "metrics": [measure],
            "orderby": [[x_axis, True]],
        },
    }


# Each chart: title, dataset, viz_type, the form data beyond the defaults, and the
# columns and metrics of its query (saved as its query context, so that the chart
# data API answers for it).
def charts() -> list[dict]:
    return [
        raw_table(
            "De hele looptijd in cijfers",
            "fct_programme_whole_run",
            [
                "label_nl",
                "metric_value",
                "unit_nl",
                "span_start_date",
                "span_end_date",
                "status",
                "years_pending",
            ],
            ["metric_order"],
            {"metric_value": ",.1~f"},
        ),
        raw_table(
            "Infosessies en deelnemers per jaar",
            "fct_info_sessions_by_year",
            [
                "calendar_year",
                "report_status",
                "sessions",
                "participants",
                "participants_per_session",
            ],
            ["calendar_year"],
            {"participants_per_session": ",.1f"},
        ),
        bar_chart(
            "Deelnemers aan infosessies per provincie en jaar",
            "fct_info_sessions_by_province_year",
            "province_code",
            metric("max(participants)", "Deelnemers"),
            ["calendar_year"],
            1000,
            show_legend=True,
            show_value=True,
            x_axis_title="Provincie",
            x_axis_title_margin=30,
            y_axis_format="SMART_NUMBER",
        ),
        raw_table(
            "Infosessies per provincie en jaar",
            "fct_info_sessions_by_province_year",
            [
                "province_code",
                "calendar_year",
                "sessions",
                "participants",
                "participants_per_session",
                "participants_per_100000_inhabitants",
            ],
            ["calendar_year", "province_code"],
            {
                "participants_per_session": ",.1f",
                "participants_per_100000_inhabitants": ",.1f",
            },
            row_limit=1000,
        ),
        bar_chart(
            "Deelnemers per infosessie",
            "fct_info_sessions_by_year",
            "calendar_year",
            metric("max(participants_per_session)", "Deelnemers per sessie"),
            [],
            100,
            show_value=True,
            x_axis_title="Jaar",
            x_axis_title_margin=30,
            y_axis_format=",.1f",
        ),
        raw_table(
            "E-scans en websitebezoekers per maand, per periode",
            "fct_online_activity_by_period",
            [
                "period_label",
                "months_in_period",
                "escans",
                "website_visitors",
                "escans_per_month",
                "website_visitors_per_month",
                "escans_per_1000_website_visitors",
            ],
            ["period_start_date"],
            {
                "escans_per_month": ",.1f",
                "website_visitors_per_month": ",.0f",
                "escans_per_1000_website_visitors": ",.1f",
            },
        ),
        bar_chart(
            "E-scans per 1.000 websitebezoekers",
            "fct_online_activity_by_period",
            "reported_year",
            metric(
                "max(escans_per_1000_website_visitors)", "E-scans per 1.000 bezoekers"
            ),
            [],
            100,
            show_value=True,
            x_axis_title=(
                "Periode, naar het jaar waarin ze eindigt (2016: nov 2015 - dec 2016)"
            ),
            x_axis_title_margin=30,
            y_axis_format=",.1f",
        ),
    ]


TABLE_DEFAULTS = {
    "show_cell_bars": False,
    "table_timestamp_format": "%Y-%m-%d",
    "include_search": False,
    "allow_rearrange_columns": False,
}


def dutch_column_names(api: Api, dataset_id: int) -> None:
    columns = api.call("GET", f"dataset/{dataset_id}")["result"]["columns"]
    api.call(
        "PUT",
        f"dataset/{dataset_id}",
        json={
            "columns": [
                {
                    "id": each["id"],
                    "column_name": each["column_name"],
                    "type": each["type"],
                    "is_dttm": each["is_dttm"],
                    "verbose_name": DUTCH_COLUMNS.get(each["column_name"]),
                }
                for each in columns
            ]
        },
    )


def query_context(dataset_id: int, form_data: dict, query: dict) -> str:
    orderby = [
        [metric(expression, expression) if "(" in expression else expression, ascending]
        for expression, ascending in query.get("orderby", [])
    ]
    return json.dumps(
        {
            "datasource": {"id": dataset_id, "type": "table"},
            "force": False,
            "queries": [
                {
                    "columns": query["columns"],
                    # None, not []: a raw query (a list of metrics groups by).
                    "metrics": query.get("metrics"),
                    "orderby": orderby,
                    "row_limit": form_data.get("row_limit", 1000),
                    "filters": [],
                    "extras": {"having": "", "where": ""},
                }
            ],
            "form_data": form_data,
            "result_format": "json",
            "result_type": "full",
        }
    )


def layout(chart_ids: list[int]) -> dict:
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {
            "type": "GRID",
            "id": "GRID_ID",
            "children": [],
            "parents": ["ROOT_ID"],
        },
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": TITLE}},
    }
    rows = [chart_ids[0:2], chart_ids[2:4], chart_ids[4:5], chart_ids[5:7]]
    for number, row in enumerate(rows):
        row_id = f"ROW-{number}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for chart_id in row:
            key = f"CHART-{chart_id}"
            position[row_id]["children"].append(key)
            position[key] = {
                "type": "CHART",
                "id": key,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {"chartId": chart_id, "width": 12 // len(row), "height": 60},
            }
    return position


def main() -> int:
    url, password_file = sys.argv[1], Path(sys.argv[2])
    api = Api(url, password_file.read_text().strip())
    found = api.call(
        "GET",
        "database/",
        params={"q": f"(filters:!((col:database_name,opr:eq,value:{DATABASE_NAME})))"},
    )
    if found["count"]:
        database_id = found["result"][0]["id"]
    else:
        uri = sys.argv[3]
        database_id = api.call(
            "POST",
            "database/",
            json={
                "database_name": DATABASE_NAME,
                "sqlalchemy_uri": uri,
                "expose_in_sqllab": True,
                "allow_dml": False,
                "allow_file_upload": False,
                "allow_ctas": False,
                "allow_cvas": False,
            },
        )["id"]
    datasets: dict[str, int] = {}
    chart_ids: list[int] = []
    for chart in charts():
        table = chart["table"]
        if table not in datasets:
            datasets[table] = api.call(
                "POST",
                "dataset/",
                json={"database": database_id, "schema": "marts", "table_name": table},
            )["id"]
            dutch_column_names(api, datasets[table])
        form_data = {
            "datasource": f"{datasets[table]}__table",
            "viz_type": chart["viz_type"],
            **(TABLE_DEFAULTS if chart["viz_type"] == "table" else {}),
            **chart["params"],
        }
        chart_ids.append(
            api.call(
                "POST",
                "chart/",
                json={
                    "slice_name": chart["name"],
                    "viz_type": chart["viz_type"],
                    "datasource_id": datasets[table],
                    "datasource_type": "table",
                    "params": json.dumps(form_data),
                    "query_context": query_context(
                        datasets[table], form_data, chart["query"]
                    ),
                },
            )["id"]
        )
    dashboard_id = api.call(
        "POST",
        "dashboard/",
        json={
            "dashboard_title": TITLE,
            "slug": "ook-uw-zaak",
            "published": True,
            "position_json": json.dumps(layout(chart_ids)),
        },
    )["id"]
    for chart_id in chart_ids:
        api.call("PUT", f"chart/{chart_id}", json={"dashboards": [dashboard_id]})
    export = api.session.get(
        f"{api.url}/api/v1/dashboard/export/", params={"q": f"!({dashboard_id})"}
    )
    export.raise_for_status()
    if DASHBOARD.exists():
        shutil.rmtree(DASHBOARD)
    files: dict[Path, dict] = {}
    charts_by_id: dict[int, dict] = {}
    with zipfile.ZipFile(io.BytesIO(export.content)) as bundle:
        for name in bundle.namelist():
            relative = Path(*Path(name).parts[1:])
            config = yaml.safe_load(bundle.read(name).decode())
            numbered = re.search(r"_(\d+)\.yaml$", relative.name)
            if relative.parts[0] == "charts" and numbered:
                charts_by_id[int(numbered.group(1))] = config
            if relative.parts[0] == "databases":
                config["sqlalchemy_uri"] = URI_PLACEHOLDER
            # Names ending in the ids of this one Superset: keep them stable.
            files[
                relative.with_name(re.sub(r"_\d+\.yaml$", ".yaml", relative.name))
            ] = config
    for relative, config in files.items():
        if relative.parts[0] == "dashboards":
            # The layout names each chart by its uuid (and shows its title), as
            # the import expects. The API's layout had only this Superset's ids,
            # so the export took every chart for one missing from the layout and
            # added it again in a row below: the layout made here replaces it.
            config["position"] = layout(chart_ids)
            for component in config["position"].values():
                if isinstance(component, dict) and component.get("type") == "CHART":
                    chart = charts_by_id[component["meta"]["chartId"]]
                    component["meta"]["uuid"] = chart["uuid"]
                    component["meta"]["sliceName"] = chart["slice_name"]
        target = DASHBOARD / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    print(f"Exported dashboard {dashboard_id} into {DASHBOARD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
