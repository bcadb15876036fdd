"""A deterministic local imitation of www.oig.dhs.gov for oigwatch's tests and benchmarks."""
