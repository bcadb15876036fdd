"""``python -m scheduler.healthcheck [URL]``: exit 0 when the service's /healthz answers 200, else 1.

The container's HEALTHCHECK (the slim image has no curl). Standard library only, so it starts fast
and does not depend on the config being valid. Without URL: http://HOST:PORT/healthz from
OIGWATCH_SERVICE__HTTP_HOST / OIGWATCH_SERVICE__HTTP_PORT (default 127.0.0.1:8080); a wildcard host
(0.0.0.0, ::) is reached on the loopback. Proxies are never used.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence

TIMEOUT = 5.0  # seconds; Docker's own --timeout should be larger
WILDCARDS = {"", "0.0.0.0", "::", "[::]"}


def default_url(environ: Mapping[str, str]) -> str:
    """Where /healthz is, from the same environment variables the service reads."""
    host = environ.get("OIGWATCH_SERVICE__HTTP_HOST", "127.0.0.1").strip()
    port = environ.get("OIGWATCH_SERVICE__HTTP_PORT", "8080").strip() or "8080"
    if host in WILDCARDS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}/healthz"


def check(url: str, timeout: float = TIMEOUT) -> tuple[bool, str]:
    """(healthy, what happened): healthy only on HTTP 200."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as reply:
            status = reply.status
            body = reply.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:  # 503 and other non-2xx answers
        body = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        return False, f"{url}: HTTP {exc.code} {body}".strip()
    except (OSError, ValueError) as exc:  # refused, timed out, bad URL
        return False, f"{url}: {exc}"
    return status == 200, f"{url}: HTTP {status} {body}".strip()


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print((__doc__ or "").strip().splitlines()[0], file=sys.stderr)
        return 1 if len(args) > 1 else 0  # never 2: Docker reserves it
    url = args[0] if args else default_url(os.environ if environ is None else environ)
    healthy, said = check(url)
    print(said, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
