"""Tallies, charts, reports and exports: pure code over values from the services."""
