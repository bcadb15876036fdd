"""The text of a PDF, page by page, extracted in a bounded child process.

``extract_text`` never raises for a bad PDF: it starts ``python -m documents.extract_child``,
which limits its own address space (``RLIMIT_AS``) and CPU time before it imports pypdf, and the
parent kills it past the wall-clock limit. A hostile PDF (a decompression bomb, an object loop,
thousands of pages) can only fail its own extraction, as a ``PdfText`` with status ``failed``
and a reason in plain words ("took longer than 20 s", "needed more than 512 MB", "has 2,000
pages, more than 1,500", "not a PDF"). The child gets no environment beyond ``PATH`` and the
locale, and runs isolated (``-I``: no user site, no current directory on its path).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.text import clean_text

OK, SCANNED, FAILED = "ok", "scanned", "failed"
STATUSES = (OK, SCANNED, FAILED)
HEAD_BYTES = 1024  # the "%PDF-" header must start within these (as PDF readers allow)
REASON_CHARS = 300


@dataclass(frozen=True, slots=True)
class ExtractLimits:
    """What one extraction may take; past any limit it fails with the limit as its reason."""

    seconds: float = 20.0  # wall-clock for the whole extraction
    memory_mb: int = 512  # address-space cap of the extracting process
    max_pages: int = 1500  # more pages than this: failed, reason says so


@dataclass(frozen=True, slots=True)
class PdfText:
    """A PDF's text: ``ok`` (one normalised text per page), ``scanned`` (pages without a text
    layer: nothing to compare) or ``failed`` (``reason`` says why)."""

    status: str  # "ok" | "scanned" (no text layer) | "failed"
    pages: tuple[str, ...] = ()  # normalised text of each page, index 0 = page 1
    reason: str | None = None  # plain words for scanned/failed

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "pages": list(self.pages), "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PdfText:
        """The ``PdfText`` of ``to_json``'s output; ``ValueError`` for anything else."""
        status, pages, reason = data.get("status"), data.get("pages", []), data.get("reason")
        if not isinstance(pages, list | tuple) or not all(isinstance(p, str) for p in pages):
            raise ValueError("pages must be a list of strings")
        if reason is not None and not isinstance(reason, str):
            raise ValueError("reason must be a string or null")
        if not isinstance(status, str):
            raise ValueError("status must be a string")
        return cls(status, tuple(pages), reason)

    @classmethod
    def failed(cls, reason: str) -> PdfText:
        return cls(FAILED, (), reason)


def extract_text(pdf: bytes | Path, limits: ExtractLimits = ExtractLimits()) -> PdfText:
    """The text of each page of ``pdf`` (its bytes, or a file the child reads itself), read in a
    child process held to ``limits``; a bad or hostile PDF gives a ``failed`` ``PdfText``."""
    try:
        head = pdf[:HEAD_BYTES] if isinstance(pdf, bytes) else _head(pdf)
    except OSError as exc:
        return PdfText.failed(f"could not be read: {exc.strerror or exc}")
    if b"%PDF-" not in head:
        return PdfText.failed("not a PDF (no %PDF- header)")
    source = "-" if isinstance(pdf, bytes) else str(Path(pdf).resolve())
    argv = [sys.executable, "-I", "-m", "documents.extract_child",
            repr(limits.seconds), str(limits.memory_mb), str(limits.max_pages), source]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # a Ctrl-C meant for the service is not the child's
        )
    except OSError as exc:  # no process to be had (EAGAIN, ENOMEM): this PDF's failure only
        return PdfText.failed(f"the extracting process could not start: {exc.strerror or exc}")
    try:
        out, err = proc.communicate(pdf if isinstance(pdf, bytes) else b"", limits.seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return PdfText.failed(f"took longer than {limits.seconds:g} s")
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return _outcome(proc.returncode, out, err, limits)


def _head(path: Path) -> bytes:
    with open(path, "rb") as file:
        return file.read(HEAD_BYTES)


def _outcome(returncode: int, out: bytes, err: bytes, limits: ExtractLimits) -> PdfText:
    """What the child's exit and output say."""
    if returncode == 0:
        try:
            return PdfText.from_json(json.loads(out))
        except ValueError:  # JSONDecodeError included
            return PdfText.failed("the extracting process gave no readable answer")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return PdfText.failed(f"took longer than {limits.seconds:g} s")
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else ""
        return PdfText.failed(
            f"the extracting process died ({name or -returncode}; it may have needed more "
            f"than {limits.memory_mb} MB)"
        )
    last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {returncode}"]
    return PdfText.failed(f"the extracting process failed: {clean_text(last[0])[:REASON_CHARS]}")
