"""Mutation testing of the pure core (``python -m tools.mutation``); see docs/testing.md."""
