"""What a reader of the published Spark warehouse sees, read through Spark SQL as a
reader would (the views of raw, staging and marts), by a Spark of its own in local
mode on the metastore and warehouse that a build left in SPARK_DIR (the build's
Spark has stopped: the metastore admits one process at a time).

    python spark_reader.py SPARK_DIR OUTPUT_JSON

OUTPUT_JSON: {"state": the marts schema's properties, "views": {"marts.x": the
schema the view reads}, "rows": {"marts.x": its rows, as text, sorted}}.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

READER_SCHEMAS = ("raw", "staging", "marts")
ROWS_OF = "marts"
_SOURCE = re.compile(r"\bfrom\s+`?([a-z0-9_]+)`?\.`?[a-z0-9_]+`?", re.IGNORECASE)


def main(spark_dir: Path, output: Path) -> int:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("reader")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.warehouse.dir", str(spark_dir / "warehouse"))
        .config("spark.local.dir", str(spark_dir / "scratch"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
        .enableHiveSupport()
        .getOrCreate()
    )
    seen: dict[str, dict[str, object]] = {"state": {}, "views": {}, "rows": {}}
    for row in spark.sql("describe database extended marts").collect():
        if row[0] == "Properties":
            seen["state"] = dict(re.findall(r"\((ook_uw_zaak_\w+),(\w+)\)", row[1]))
    for schema in READER_SCHEMAS:
        for view in spark.sql(f"show views in {schema}").collect():
            name = f"{schema}.{view[1]}"
            text = spark.sql(f"show create table {name}").first()[0]
            found = _SOURCE.search(text)
            seen["views"][name] = found.group(1) if found else text
            if schema == ROWS_OF:
                rows = spark.sql(f"select * from {name}").collect()
                seen["rows"][name] = sorted(
                    json.dumps([str(value) for value in row]) for row in rows
                )
    spark.stop()
    output.write_text(json.dumps(seen, indent=1, sort_keys=True), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
