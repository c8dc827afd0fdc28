"""Benchmarks, each beside its floor in the same run (see the README's Benchmarks)."""
