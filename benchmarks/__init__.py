"""oigwatch benchmarks: ``make bench`` (``python -m benchmarks.run``); see docs/benchmarks.md."""
