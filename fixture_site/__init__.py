"""A deterministic local imitation of www.oig.dhs.gov for oigwatch's tests and benchmarks."""

from fixture_site.app import RequestLogEntry
from fixture_site.mutations import MutationError
from fixture_site.seed import build_state
from fixture_site.server import FixtureSite
from fixture_site.state import Report, Settings, SiteState

__all__ = [
    "FixtureSite",
    "MutationError",
    "Report",
    "RequestLogEntry",
    "Settings",
    "SiteState",
    "build_state",
]
