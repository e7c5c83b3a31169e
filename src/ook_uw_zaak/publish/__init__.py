"""Publishing the warehouse: DuckDB release folders and their link, the PostgreSQL
schema swap, and rollback."""
