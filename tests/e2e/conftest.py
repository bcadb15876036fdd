"""End-to-end fixtures: a fixture site, a ledger, and the oigwatch CLI between them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.harness import Oigwatch, write_config

from fixture_site import FixtureSite, build_state


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    """A fixture site of 300 reports with stable tie order (tests switch shuffling on)."""
    with FixtureSite(build_state(n_reports=300, seed=11)) as running:
        running.mutate({"op": "tie_shuffle", "mode": "stable"})
        yield running


@pytest.fixture
def oigwatch(site: FixtureSite, db_url: str, tmp_path: Path) -> Oigwatch:
    return Oigwatch(site, db_url, write_config(tmp_path))


@pytest.fixture
def baselined(oigwatch: Oigwatch) -> Oigwatch:
    """A ledger holding a silent baseline of the site, every PDF fingerprinted."""
    assert oigwatch.crawl("--deep", "--pdf-checks", "all") == []
    return oigwatch
