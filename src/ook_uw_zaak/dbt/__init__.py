"""Running dbt: the build's process, its progress, its outcome and failure report."""
