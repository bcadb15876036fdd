"""Recipes proven by tests: a channel and a page layout, each one module (docs/architecture.md)."""
