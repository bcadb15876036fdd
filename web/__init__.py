"""The read-only web side of oigwatch: pages, feeds, a JSON API and /healthz (``create_app``)."""

from web.app import create_app

__all__ = ["create_app"]
