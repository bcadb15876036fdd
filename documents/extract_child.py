"""``python -m documents.extract_child SECONDS MEMORY_MB MAX_PAGES SOURCE``: one PDF's text.

Run by ``documents.extract.extract_text``, never by hand. It caps its own address space
(``RLIMIT_AS``, MEMORY_MB) and CPU time (``RLIMIT_CPU``, a backstop behind the parent's
wall-clock kill) before importing pypdf, reads the PDF from SOURCE (a path, or ``-``: stdin),
and writes one JSON object, ``PdfText.to_json``'s shape, to stdout. Every failure it can catch
becomes a ``failed`` answer with a reason; what it cannot (a signal) the parent words.

It imports only pypdf and the page normaliser (``documents.pages``), so it starts quickly.
"""

from __future__ import annotations

import io
import json
import logging
import math
import resource
import sys
import warnings
from typing import Any

MAX_TEXT_CHARS = 8_000_000  # more text than this (a 1,500-page report has ~5 million): failed
REASON_CHARS = 300


def main(argv: list[str]) -> int:
    seconds, memory_mb, max_pages, source = float(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    out_of_memory = _answer(_failed(f"needed more than {memory_mb} MB"))  # made before it is needed
    _limit(seconds, memory_mb)
    try:
        data = sys.stdin.buffer.read() if source == "-" else open(source, "rb").read()  # noqa: SIM115
        answer = _answer(read(data, max_pages))
    except MemoryError:
        answer = out_of_memory
    except RecursionError:
        answer = _answer(_failed("is nested too deeply (its objects refer back to themselves?)"))
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()
    return 0


def _limit(seconds: float, memory_mb: int) -> None:
    memory = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _failed(reason: str) -> dict[str, Any]:
    return {"status": "failed", "pages": [], "reason": reason}


def _answer(result: dict[str, Any]) -> bytes:
    return json.dumps(result, ensure_ascii=False).encode("utf-8", "replace")


def read(data: bytes, max_pages: int) -> dict[str, Any]:
    """The PDF's pages, normalised, or why not (``PdfText.to_json``'s shape)."""
    logging.disable(logging.CRITICAL)  # pypdf warns per broken object: thousands of lines
    warnings.simplefilter("ignore")
    import pypdf
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError

    from documents.pages import has_text, looks_scanned, normalize_pages

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return _failed("is encrypted (it needs a password)")
        count = len(reader.pages)
        if not count:
            return _failed("has no pages")
        if count > max_pages:
            return _failed(f"has {count:,} pages, more than {max_pages:,}")
        raw, total = [], 0
        for page in reader.pages:
            text = page.extract_text()
            total += len(text)
            if total > MAX_TEXT_CHARS:
                return _failed(f"has more than {MAX_TEXT_CHARS:,} characters of text")
            raw.append(text)
    except LimitReachedError as exc:
        return _failed(_limit_reason(str(exc)))
    except FileNotDecryptedError:
        return _failed("is encrypted (it needs a password)")
    except PyPdfError as exc:
        return _failed(f"could not be read: {_short(exc)}")
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # pypdf on a malformed file: KeyError, ValueError, struct.error...
        return _failed(f"could not be read ({type(exc).__name__}: {_short(exc)})")
    pages = normalize_pages(raw)
    if looks_scanned(pages):
        carry = sum(1 for page in pages if has_text(page))
        return {"status": "scanned", "pages": list(pages),
                "reason": f"has no text layer (a scan?): {carry} of {count} pages carry text"}  # fmt: skip
    return {"status": "ok", "pages": list(pages), "reason": None}


def _limit_reason(message: str) -> str:
    if "decompress" in message.lower():
        from pypdf.filters import ZLIB_MAX_OUTPUT_LENGTH

        return (
            f"a compressed stream in it inflates to more than {ZLIB_MAX_OUTPUT_LENGTH // 10**6} MB"
            " (a decompression bomb?)"
        )
    return f"went past a limit of the PDF reader: {message[:REASON_CHARS]}"


def _short(exc: BaseException) -> str:
    from crawler.text import clean_text

    text = " ".join(clean_text(str(exc)).split()) or type(exc).__name__
    return text[:REASON_CHARS]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
