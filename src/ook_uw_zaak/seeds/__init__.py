"""The seed CSV files: reading them with line numbers, and the checks run before dbt."""
