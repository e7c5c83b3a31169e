# The two set-up commands are `make build` and `make test`; the rest are helpers.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
# The uv release bootstrapped into the environment when uv is not on the machine;
# `uv sync` then replaces it with the version pinned in uv.lock.
UV_BOOTSTRAP_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(VENV)/bin/uv)
RUN := $(UV) run --frozen --no-sync

.PHONY: help build report translations macros bench test lint dbt-test pytest docs clean \
	superset superset-test spark-test

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# uv itself, into the environment, when it is not on the machine; `uv sync` then
# replaces it with the version pinned in uv.lock.
define bootstrap_uv
	@if [ ! -x "$(UV)" ]; then \
		echo "uv is not on this machine: installing uv $(UV_BOOTSTRAP_VERSION) into $(VENV)"; \
		$(PYTHON) -m venv $(VENV) && \
		$(VENV)/bin/python -m pip install --quiet "uv==$(UV_BOOTSTRAP_VERSION)"; \
	fi
endef

# What building and reading the DuckDB file needs, and no more (no Spark, no test
# tools). --inexact keeps what `make test` added, so the two never undo each other.
$(VENV)/.synced: pyproject.toml uv.lock
	$(bootstrap_uv)
	$(UV) sync --frozen --no-default-groups --inexact
	@touch $@

# Everything: the test and lint tools, and the Spark target (in-process and on a
# cluster) that the tests build too.
$(VENV)/.synced-all: pyproject.toml uv.lock
	$(bootstrap_uv)
	$(UV) sync --frozen --extra spark --extra spark-cluster
	@touch $@ $(VENV)/.synced

# The project's own bytecode. uv compiles the environment's packages at install
# (compile-bytecode in pyproject.toml), but the project itself is installed
# editable, from src/: compiled here (only what changed since), every process that
# imports it starts as fast where PYTHONDONTWRITEBYTECODE=1 is set as elsewhere.
BYTECODE := $(RUN) python -m compileall -q src benchmarks tests/python

# Where `make build` publishes: duckdb (the file ook_uw_zaak.duckdb), postgres
# (the database of the PG* variables) or spark (the profile's spark target, which
# needs the Spark extras): make build TARGET=postgres
TARGET ?= duckdb
BUILD_ENV := $(VENV)/$(if $(filter spark,$(TARGET)),.synced-all,.synced)

# FORCE=1 builds a new release even when nothing changed since the published one.
build: $(BUILD_ENV)  ## build, test and publish the warehouse (TARGET=duckdb, postgres or spark)
	@$(BYTECODE)
	$(RUN) ook-uw-zaak build --target $(TARGET) $(if $(FORCE),--force)

report: $(VENV)/.synced  ## write the report (Dutch and English) and its index page into reports/
	$(RUN) ook-uw-zaak report

REPORT_DIR := src/ook_uw_zaak/report
translations: $(VENV)/.synced  ## after changing the report's words: add them to the Dutch catalogue
	@mkdir -p target
	$(RUN) pybabel extract -F $(REPORT_DIR)/babel.cfg --no-location --sort-output \
		-o target/report_messages.pot $(REPORT_DIR)
	$(RUN) pybabel update -i target/report_messages.pot -d $(REPORT_DIR)/locale -l nl \
		--no-fuzzy-matching --ignore-obsolete --width 88
	@echo "Now translate every empty msgstr in $(REPORT_DIR)/locale/nl/LC_MESSAGES/messages.po"

macros: $(VENV)/.synced  ## after changing a rule in publish/identifiers.py or postgres_role.py: write macros/generated_rules.sql
	$(RUN) python -m ook_uw_zaak.dbt.generated_macros

bench: $(VENV)/.synced-all  ## benchmark the build (figures printed, nothing asserted)
	@$(BYTECODE)
	$(RUN) python -m benchmarks.bench

# Lint runs beside pytest (whose workers leave part of the cores idle while they
# wait on PostgreSQL and Spark); its output is printed after pytest's.
test: $(VENV)/.synced-all  ## run every check: lint beside pytest (its shared build runs every dbt test)
	@started=$$(date +%s); lint_output=$$(mktemp); \
	$(MAKE) --no-print-directory lint > "$$lint_output" 2>&1 & lint=$$!; \
	$(MAKE) --no-print-directory pytest; pytest_status=$$?; \
	wait $$lint; lint_status=$$?; \
	echo "--- make lint (ran beside pytest): $$([ $$lint_status -eq 0 ] && echo passed || echo FAILED)"; \
	cat "$$lint_output"; rm -f "$$lint_output"; \
	echo "make test took $$(( $$(date +%s) - started )) s"; \
	[ $$lint_status -eq 0 ] && [ $$pytest_status -eq 0 ]

lint: $(VENV)/.synced-all  ## sqlfluff on the SQL, dbt-score and dbt-bouncer on the dbt metadata, ruff on the Python
	$(RUN) sqlfluff lint models analyses tests/staging tests/marts
	$(RUN) dbt-score lint --run-dbt-parse
	$(RUN) dbt-bouncer run --config-file dbt-bouncer.yml
	$(RUN) ruff check src tests/python benchmarks
	$(RUN) ruff format --check src tests/python benchmarks

dbt-test: $(VENV)/.synced-all  ## dbt build (seeds, models, data and unit tests) into a scratch file
	@mkdir -p target
	OOK_UW_ZAAK_DUCKDB_PATH=target/make_test.duckdb $(RUN) dbt build --fail-fast

pytest: $(VENV)/.synced-all  ## the Python tests (they build the warehouse in temporary copies)
	@$(BYTECODE)
	$(RUN) pytest

# Slower than the rest, so not part of `make test`: the in-process Spark build
# compared with DuckDB's (tests/python/test_spark.py), the publishing builds
# (test_spark_publish.py), and a Spark master, worker and Thrift server on
# 127.0.0.1 with three builds through them, one under readers, and a publication
# killed half-way (test_spark_cluster.py). .ci/run runs it.
spark-test: $(VENV)/.synced-all  ## every build on Spark: in-process, publishing, and on a cluster started here
	@$(BYTECODE)
	$(RUN) pytest -m spark -n 0 tests/python/test_spark.py tests/python/test_spark_publish.py \
		tests/python/test_spark_cluster.py

docs: $(VENV)/.synced  ## generate the dbt docs site into target/
	$(RUN) dbt docs generate

# Apache Superset in an environment of its own (it pins SQLAlchemy 1.4, the project
# 2.0), installed from the hashes in superset/requirements.txt; its state (metadata
# database, secret key, admin password) in .superset/.
SUPERSET_HOME := $(CURDIR)/.superset
SUPERSET_VENV := $(SUPERSET_HOME)/venv
SUPERSET_PORT ?= 8088

$(SUPERSET_VENV)/.installed: superset/requirements.txt | $(VENV)/.synced
	@mkdir -p -m 700 $(SUPERSET_HOME)
	@[ -x $(SUPERSET_VENV)/bin/python ] || $(UV) venv --quiet --python 3.11 $(SUPERSET_VENV)
	VIRTUAL_ENV= $(UV) pip sync --quiet --require-hashes --python $(SUPERSET_VENV)/bin/python \
		superset/requirements.txt
	@touch $@

# TARGET=duckdb: the DuckDB file through the hardened URI of
# ook_uw_zaak.connect.sqlalchemy_uri(). TARGET=postgres: the marts of the PG*
# variables' database as the BI role (ook_uw_zaak.publish.postgres_bi), its password
# from BI_READER_PASSWORD or ~/.pgpass (docs/querying.md).
superset: $(VENV)/.synced $(SUPERSET_VENV)/.installed  ## serve the warehouse in Apache Superset on 127.0.0.1:8088 (SUPERSET_PORT; TARGET=duckdb or postgres)
	@case "$(TARGET)" in \
	duckdb) [ -e ook_uw_zaak.duckdb ] || { echo "No ook_uw_zaak.duckdb here: run make build first"; exit 1; }; \
		uri=$$($(RUN) python -c 'from ook_uw_zaak.connect import sqlalchemy_uri; \
			from ook_uw_zaak.project import PUBLISHED_FILE_NAME as name; print(sqlalchemy_uri(name))');; \
	postgres) uri=$$($(RUN) python -m ook_uw_zaak.publish.postgres_bi);; \
	*) echo "make superset serves TARGET=duckdb or TARGET=postgres"; exit 2;; \
	esac && \
	SUPERSET_HOME=$(SUPERSET_HOME) SUPERSET_CONFIG_PATH=$(CURDIR)/superset/superset_config.py \
	SUPERSET_PORT=$(SUPERSET_PORT) OOK_UW_ZAAK_DATABASE_URI="$$uri" \
	exec $(SUPERSET_VENV)/bin/python superset/serve.py

# Too slow for `make test` (in two project copies, one on DuckDB and one on a
# PostgreSQL server it starts, it installs Superset and runs it five times, about
# five minutes): CI runs it after.
superset-test: $(VENV)/.synced-all  ## make superset (DuckDB, PostgreSQL) in project copies, checked through its API and in headless Chromium
	$(RUN) pytest -n 0 -p no:cacheprovider -s tests/superset

clean:  ## remove the environment, build output and the development file
	rm -rf $(VENV) target logs dev.duckdb
