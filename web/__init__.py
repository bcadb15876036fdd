"""The read-only web side of oigwatch: pages, feeds, a JSON API and /healthz (``web.app.create_app``)."""
