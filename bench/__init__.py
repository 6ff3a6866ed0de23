"""Benchmarks of the live API against hand-written SQL floors: `python -m bench` (see README.md)."""
