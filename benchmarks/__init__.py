"""What measures the project, not installed with it: `make bench`
(`python -m benchmarks.bench`)."""
