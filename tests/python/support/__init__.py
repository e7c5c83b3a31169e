"""What only the tests (and the benchmark) use: project copies, servers, figures."""
