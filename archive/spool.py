"""The spool: a local folder where a crawl leaves each PDF it fetched, for the archive.

The crawl (in the service's crawl worker, which holds no secret and never talks to the archive)
writes ``<sha256>.pdf`` with :func:`keep`; the check that ran the crawl moves each into the
archive (``archive/ingest.py``) and removes it with :func:`discard` once it is stored. A file
the archive could not take stays for the next run. Standard library only: the crawl imports it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SUFFIX = ".pdf"
STALE_PARTIAL = 3600.0  # seconds after which a half-written file (a killed crawl) is removed


def spool_path(spool_dir: str | os.PathLike[str], sha256: str) -> Path:
    """Where the spool keeps the PDF with this digest."""
    if not SHA256.match(sha256):
        raise ValueError(f"not a sha256 digest: {sha256[:80]!r}")
    return Path(spool_dir) / f"{sha256}{SUFFIX}"


def keep(spool_dir: str | os.PathLike[str], sha256: str, body: bytes) -> bool:
    """Leave ``body`` (whose digest the caller computed) in the spool; False when a file of
    that digest is there already. Written atomically: a temporary file in the same folder,
    renamed, so a reader never sees half a PDF."""
    final = spool_path(spool_dir, sha256)
    if final.exists():
        return False
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=final.parent, prefix=f".{sha256}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True


def waiting(spool_dir: str | os.PathLike[str], now: float | None = None) -> dict[str, Path]:
    """The spooled PDFs, by digest (none when the folder does not exist). Half-written files
    older than an hour (a crawl killed mid-write) are removed on the way."""
    found: dict[str, Path] = {}
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(spool_dir))
    except (FileNotFoundError, NotADirectoryError):
        return found
    for entry in entries:
        name = entry.name
        if name.endswith(SUFFIX) and SHA256.match(name[: -len(SUFFIX)]):
            found[name[: -len(SUFFIX)]] = Path(entry.path)
        elif name.startswith(".") and name.endswith(".part"):
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > STALE_PARTIAL:
                    os.unlink(entry.path)
    return found


def discard(path: Path) -> None:
    """Remove a spooled file (already gone: nothing to do)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
