"""The content-addressed store of report PDFs: one interface, two backends through one library.

fsspec speaks to both: its local filesystem (the default, a folder under ``data_dir``) and s3fs
(any S3-compatible object store: AWS S3, MinIO, Ceph, moto). Layout under the root, whatever
the backend::

    <root>/pdf/<sha[:2]>/<sha256>.pdf

Nothing else: no sidecar. A stored object never changes (its name is its digest, checked on
every put and get, and by :meth:`Archive.verify`); when and where each PDF was seen, and which
report it belongs to, is the ledger's (``pdf_versions``), which can change without rewriting an
object. Credentials of an object store come only from the standard environment variables
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``), read by botocore; they are never in the
config, never in a message, and never reach the crawl worker (``crawler.fetch.child_environment``).
"""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archive.spool import SHA256

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from config.settings import Settings

CHUNK = 1 << 20  # bytes hashed at a time by verify


class ArchiveError(Exception):
    """The archive could not be reached, or refused an operation; the message says which."""


class NotArchived(ArchiveError):
    """No PDF with this digest is stored."""


class DamagedPdf(ArchiveError):
    """A stored PDF whose bytes no longer have the digest it is named by."""


@dataclass(frozen=True, slots=True)
class ArchiveProblem:
    """Something wrong in the archive: which object, and what (a damaged or unreadable file, a
    name that is not a digest, a PDF the ledger says is stored and is not)."""

    sha256: str  # the digest the object is named by ("" when the name is not one)
    path: str  # where, as shown to users
    problem: str


def _describe(exc: BaseException) -> str:
    """An error in one short line (never a request's signature: botocore does not print it)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:300].rstrip(": ")


@contextmanager
def _reaching(what: str) -> Iterator[None]:
    """Any failure of the backend as an :class:`ArchiveError` naming what was being done."""
    try:
        yield
    except ArchiveError:
        raise
    except Exception as exc:  # OSError, botocore's and aiohttp's errors, ...
        raise ArchiveError(f"{what}: {_describe(exc)}") from exc


class Archive:
    """PDFs by sha256 in one fsspec filesystem under ``root`` (a path without protocol)."""

    def __init__(self, fs: AbstractFileSystem, root: str) -> None:
        self.fs, self.root = fs, root.rstrip("/")
        self.local = "file" in _protocols(fs)

    @property
    def location(self) -> str:
        """The archive's root as shown to users (a folder, or ``s3://bucket/prefix``)."""
        return self.root if self.local else self.fs.unstrip_protocol(self.root)

    def _key(self, sha256: str) -> str:
        if not SHA256.match(sha256):
            raise ValueError(f"not a sha256 digest: {sha256[:80]!r}")
        return f"{self.root}/pdf/{sha256[:2]}/{sha256}.pdf"

    def path_for(self, sha256: str) -> str:
        """Where the PDF with this digest is (or would be) kept, as shown to users."""
        key = self._key(sha256)
        return key if self.local else self.fs.unstrip_protocol(key)

    def has(self, sha256: str) -> bool:
        """Whether a PDF with this digest is stored (ArchiveError: the archive cannot say)."""
        key = self._key(sha256)
        with _reaching("archive unreachable"):
            return bool(self.fs.exists(key))

    def put(self, sha256: str, data: bytes) -> bool:
        """Store ``data`` under its digest; False when it is stored already. ValueError when
        ``data`` does not have the digest ``sha256``; ArchiveError when it cannot be stored."""
        key = self._key(sha256)
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise ValueError(f"the bytes have sha256 {actual}, not {sha256}")
        if self.has(sha256):
            return False
        with _reaching("archive unreachable"):
            if self.local:  # written beside, then renamed: never half a PDF under its name
                partial = posixpath.join(
                    posixpath.dirname(key), f".{sha256}.{uuid.uuid4().hex}.part"
                )
                self.fs.makedirs(posixpath.dirname(key), exist_ok=True)
                self.fs.pipe_file(partial, data)
                self.fs.mv(partial, key)
            else:  # an object store's PUT is atomic already
                self.fs.pipe_file(key, data)
        return True

    def get(self, sha256: str) -> bytes:
        """The stored PDF with this digest: NotArchived when there is none, DamagedPdf when its
        bytes no longer match, ArchiveError when the archive cannot be read."""
        key = self._key(sha256)
        try:
            with _reaching("archive unreachable"):
                data = bytes(self.fs.cat_file(key))
        except ArchiveError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                raise NotArchived(f"no PDF {sha256} in the archive {self.location}") from None
            raise
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise DamagedPdf(f"{self.path_for(sha256)} is damaged: its bytes have sha256 {actual}")
        return data

    def verify(self, checked: Callable[[str], None] | None = None) -> Iterator[ArchiveProblem]:
        """Re-hash every stored object against its name, yielding what is wrong (``checked``
        is told each digest hashed). ArchiveError when the archive cannot be listed."""
        with _reaching("archive unreachable"):
            found = sorted(self.fs.find(f"{self.root}/pdf")) if self._exists_root() else []
        for key in found:
            name = posixpath.basename(key)
            if name.startswith(".") and name.endswith(".part"):
                continue  # a local write in progress (or a crashed one: not a stored PDF)
            shown = key if self.local else self.fs.unstrip_protocol(key)
            sha256 = name.removesuffix(".pdf")
            if not name.endswith(".pdf") or not SHA256.match(sha256):
                yield ArchiveProblem("", shown, "not named by a sha256 digest")
                continue
            if posixpath.basename(posixpath.dirname(key)) != sha256[:2]:
                yield ArchiveProblem(sha256, shown, f"in the wrong folder (not {sha256[:2]}/)")
                continue
            try:
                actual = self._digest(key)
            except Exception as exc:
                yield ArchiveProblem(sha256, shown, f"unreadable: {_describe(exc)}")
                continue
            if checked is not None:
                checked(sha256)
            if actual != sha256:
                yield ArchiveProblem(sha256, shown, f"damaged: its bytes have sha256 {actual}")

    def _exists_root(self) -> bool:
        return bool(self.fs.exists(f"{self.root}/pdf"))

    def _digest(self, key: str) -> str:
        digest = hashlib.sha256()
        with self.fs.open(key, "rb") as stored:
            while chunk := stored.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()


def _protocols(fs: AbstractFileSystem) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def archive_at(
    url: str, endpoint_url: str = "", region: str = "", timeout: float = 30.0
) -> Archive:
    """The archive at ``url``: a folder (created on first put), ``file://...`` or
    ``s3://bucket/prefix`` (``endpoint_url``: an S3-compatible server other than AWS)."""
    from fsspec.core import url_to_fs

    options: dict[str, Any] = {}
    if url.startswith("s3://"):
        client: dict[str, Any] = {"region_name": region} if region else {}
        if endpoint_url:
            client["endpoint_url"] = endpoint_url
        options = {
            "client_kwargs": client,
            "config_kwargs": {
                "connect_timeout": timeout,
                "read_timeout": timeout,
                "retries": {"max_attempts": 2, "mode": "standard"},
            },
            "use_listings_cache": False,  # another process may have stored a PDF since
            "skip_instance_cache": True,  # an archive per use: no session outlives its settings
        }
    with _reaching(f"archive {url!r} cannot be opened"):
        fs, root = url_to_fs(url, **options)
    return Archive(fs, root)


def open_archive(settings: Settings) -> Archive:
    """The archive the settings name (``[archive]``); ArchiveError when it is disabled."""
    config = settings.archive
    if not config.enabled:
        raise ArchiveError("the PDF archive is disabled ([archive] enabled = false)")
    return archive_at(settings.archive_url, config.endpoint_url, config.region, config.timeout)
