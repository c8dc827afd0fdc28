"""Benchmarks, each beside its floor in the same run (see docs/developers.md's Benchmarks)."""
