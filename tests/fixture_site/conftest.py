"""Fixtures: a real fixture site on 127.0.0.1 port 0, and an httpx client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fixture_site import FixtureSite, SiteState, build_state


@pytest.fixture
def state() -> SiteState:
    """300 reports (219 real + 81 synthetic), seed 7, stable ties."""
    built = build_state(n_reports=300, seed=7)
    built.settings.tie_mode = "stable"
    return built


@pytest.fixture
def site(state: SiteState) -> Iterator[FixtureSite]:
    """The running site for one test."""
    with FixtureSite(state) as running:
        yield running


@pytest.fixture
def client(site: FixtureSite) -> Iterator[httpx.Client]:
    """A keep-alive client bound to the site."""
    with httpx.Client(base_url=site.base_url, timeout=5.0, verify=False) as http:
        yield http
