"""The checks of the URLs a config or a command line gives: sites and web addresses (http or https,
with a host) and databases (SQLite, or PostgreSQL through psycopg 3). Pure: each returns the value
or raises ValueError saying what to write, never echoing a password.
"""

from __future__ import annotations

from urllib.parse import urlsplit

HTTP_EXAMPLE = "write it like https://www.oig.dhs.gov"


def check_http_url(value: str) -> str:
    """``value`` if it is an http(s) URL with a host (a site or web address); ValueError saying
    what to write otherwise. The message never holds the URL's user info (a password)."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise ValueError(f"not a URL (a bad port or bracket?); {HTTP_EXAMPLE}") from None
    if parts.scheme in ("http", "https") and parts.hostname:
        return value
    if "://" not in value:
        bare = value.strip()
        example = f"http://{bare}" if bare and "@" not in bare else "https://www.oig.dhs.gov"
        raise ValueError(f"has no scheme: write it as {example} (http:// or https://)")
    if parts.scheme not in ("http", "https"):
        scheme = parts.scheme if parts.scheme.isalnum() else "that scheme"
        raise ValueError(f"{scheme}:// is not supported, only http:// or https://; {HTTP_EXAMPLE}")
    raise ValueError(f"names no host; {HTTP_EXAMPLE}")


DB_EXAMPLE = "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
DB_DRIVERS = {"sqlite": ("", "pysqlite"), "postgresql": ("", "psycopg"), "postgres": ("",)}


def check_database_url(value: str) -> str:
    """``value`` if oigwatch can open it (SQLite, or PostgreSQL through psycopg 3; "" for the
    default); ValueError naming the fix otherwise. The message never holds any part of the URL
    but its scheme: a password, even one cut in two by an unencoded ``@``, is never echoed."""
    if not value:
        return value
    from sqlalchemy.engine import make_url  # SQLAlchemy only where a URL is checked
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(value)
    except ValueError:  # a port that is not a number, a bracket left open
        raise ValueError(f"not a database URL (a bad port or bracket?); {DB_EXAMPLE}") from None
    except ArgumentError:
        raise ValueError(f"not a database URL; {DB_EXAMPLE}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in DB_DRIVERS:
        name = backend if backend.isalnum() else "that database"
        raise ValueError(f"{name} is not supported, only SQLite and PostgreSQL; {DB_EXAMPLE}")
    if driver not in DB_DRIVERS[backend]:
        raise ValueError(f"the driver {backend}+{driver} is not installed; {DB_EXAMPLE}")
    if backend == "sqlite":
        if parsed.host or parsed.port or parsed.username or parsed.password:
            raise ValueError("a SQLite URL names a file: sqlite:///relative/path or sqlite:////abs")
        return value
    rest = value.split("://", 1)[1]
    if rest.count("@") > 1 or "@" in (parsed.host or ""):
        raise ValueError(f"an '@' in the user name or password must be written %40; {DB_EXAMPLE}")
    return value


ARCHIVE_EXAMPLE = "write a folder path, file:///abs/path or s3://bucket/prefix"


def check_archive_url(value: str) -> str:
    """``value`` if the archive can live there: "" (``<data_dir>/archive``), a folder path,
    ``file://`` or ``s3://bucket[/prefix]``; ValueError naming the fix otherwise (never echoing
    a user or password part)."""
    text = value.strip()
    if not text or "://" not in text:
        return text
    parts = urlsplit(text)
    if parts.scheme == "file":
        return text
    if parts.scheme != "s3":
        scheme = parts.scheme if parts.scheme.isalnum() else "that scheme"
        raise ValueError(f"{scheme}:// is not supported; {ARCHIVE_EXAMPLE}")
    if "@" in parts.netloc:
        raise ValueError("credentials never go in the URL: set AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY in the environment")  # fmt: skip
    if not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"an S3 URL names a bucket and an optional prefix; {ARCHIVE_EXAMPLE}")
    return text
