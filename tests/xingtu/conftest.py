"""Xingtu's tests build their engines, scenarios and orders with the plain functions of
xingtu_helpers.py (an engine per rule override, memoised), not fixtures: a test names the overrides
it settles under. The shared fixtures (``at_root``, ``built_in_at_root``) come from tests/conftest.py."""
