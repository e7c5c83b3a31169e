"""Python around the dbt project: build, publish and check the warehouse."""
