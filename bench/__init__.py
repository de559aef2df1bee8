"""Benchmarks: a synthetic data generator (``bench.generate``) and the build benchmark
(``bench.build_bench``). See ``bench/README.md``."""
