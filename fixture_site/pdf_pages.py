"""Real multi-page report PDFs with a text layer, written object by object (no PDF library).

``build_report_pdf`` lays out pages of paragraphs the way a report is printed: a running header,
the paragraphs wrapped at a width (optionally hyphenating words at line ends), a page-number
footer. ``report_versions`` gives one report in four versions for the page redlines
(``documents/``): the original, a number changed on page 3, a paragraph added on page 7, and a
re-typeset copy that differs only in line breaks, hyphenation and page-number footers (no change
in its text). ``bomb_pdf``, ``loop_pdf`` and ``many_pages_pdf`` are hostile files for the bounded
extraction's tests.

The fixture site's one-page PDF (``fixture_site/pdf.py``) stays what existing reports serve.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence

from fixture_site.pdf import _pdf_text

REPORT_NUMBER = "OIG-24-01"
REPORT_HEADER = f"{REPORT_NUMBER}    Department of Homeland Security    www.oig.dhs.gov"
REPORT_PAGES = 12
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
TOP, LEADING, BOTTOM = 750, 13, 40  # points: first baseline, line spacing, footer baseline
MIN_SPLIT = 4  # letters a hyphenated word keeps on either side of the break

# what a changed version changes (tests read these)
NUMBER_PAGE, NUMBER_BEFORE, NUMBER_AFTER = 3, "$4.7 million", "$6.2 million"
ADDED_PAGE = 7
ADDED_PARAGRAPH = (
    "After our fieldwork ended, the component reported that it had recovered $310,000 in "
    "improper payments and referred two contractors to the suspension and debarment official."
)

_COMPONENTS = ("FEMA", "CBP", "ICE", "TSA", "USCIS", "the Coast Guard")
_PROGRAMS = (
    "disaster case management grants",
    "detention facility inspections",
    "passenger screening equipment maintenance",
    "asylum application processing",
    "border technology contracts",
    "vessel documentation fees",
)
_SENTENCES = (
    "We conducted this audit to determine whether {comp} effectively managed {prog} during "
    "fiscal years {fy1} and {fy2}.",
    "{Comp} did not always maintain complete records of {prog}, and {n} of the {m} files we "
    "reviewed lacked required approvals.",
    "As a result, {comp} cannot ensure that approximately ${amt} million in obligations "
    "supported allowable costs.",
    "We recommend that the Administrator direct the program office to develop and implement "
    "written procedures for {prog}.",
    "Management concurred with the recommendation and described corrective actions it plans to "
    "complete by {month} {fy2}.",
    "During our fieldwork, officials stated that staffing shortages and competing priorities "
    "delayed the required reviews.",
    "Federal internal control standards require management to design control activities that "
    "respond to identified risks.",
    "We interviewed {n} officials at headquarters and at {m} field locations, and we analyzed "
    "documentation covering {n2} transactions.",
    "Without reliable data, decision makers may not have the information needed to oversee the "
    "program and measure its results.",
    "The Department's response is included in its entirety in Appendix {app}.",
    "Officials acknowledged that the oversight office had not performed a comprehensive "
    "reconciliation of obligations since {fy1}.",
    "Notwithstanding these efforts, weaknesses in monitoring persisted at {m} of the locations we "
    "visited.",
)
_MONTHS = ("January", "March", "June", "September", "December")


def report_text(pages: int = REPORT_PAGES, seed: int = 24, paragraphs: int = 4) -> list[list[str]]:
    """Paragraphs of a plausible OIG report, page by page (deterministic for a seed); each page
    fits one printed page at the default width (``paragraphs`` up to 6)."""
    rng = random.Random(seed)
    out: list[list[str]] = []
    for _ in range(pages):
        page: list[str] = []
        for _ in range(paragraphs):
            comp = rng.choice(_COMPONENTS)
            values = {
                "comp": comp,
                "Comp": comp[0].upper() + comp[1:],
                "prog": rng.choice(_PROGRAMS),
                "fy1": rng.randint(2015, 2020),
                "fy2": rng.randint(2021, 2024),
                "n": rng.randint(3, 40),
                "m": rng.randint(41, 90),
                "n2": f"{rng.randint(1000, 99999):,}",
                "amt": f"{rng.randint(1, 99)}.{rng.randint(0, 9)}",
                "month": rng.choice(_MONTHS),
                "app": rng.choice("ABCD"),
            }
            chosen = rng.sample(_SENTENCES, 3)
            page.append(" ".join(s.format(**values) for s in chosen))
        out.append(page)
    return out


def wrap(paragraph: str, width: int, hyphenate: bool = False) -> list[str]:
    """The paragraph's lines at ``width`` characters; with ``hyphenate``, a word that does not
    fit is broken with a hyphen when at least ``MIN_SPLIT`` lowercase letters stay each side."""
    lines: list[str] = []
    line = ""
    for word in paragraph.split():
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
            continue
        room = width - len(line) - (2 if line else 1)  # a space and the hyphen
        split = _split_at(word, room) if hyphenate else 0
        if split:
            lines.append(f"{line} {word[:split]}-" if line else f"{word[:split]}-")
            line = word[split:]
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _split_at(word: str, room: int) -> int:
    """Where ``word`` may be hyphenated within ``room`` characters (0: nowhere): inside a run of
    lowercase letters, ``MIN_SPLIT`` of them kept each side."""
    for split in range(min(room, len(word) - MIN_SPLIT), MIN_SPLIT - 1, -1):
        head, tail = word[:split], word[split:]
        if head[-MIN_SPLIT:].isalpha() and head[-MIN_SPLIT:].islower() and tail[:MIN_SPLIT].isalpha() and tail[:MIN_SPLIT].islower():  # fmt: skip
            return split
    return 0


def _page_stream(header: str, lines: Sequence[str], footer: str) -> bytes:
    """One page's content stream: the header, the body lines (blank ones as spacing), the
    footer at the bottom, each its own text object as a word processor writes them."""
    ops = ["BT", "/F1 9 Tf", f"54 {TOP} Td", f"({_pdf_text(header)}) Tj", "ET"]
    ops += ["BT", "/F1 11 Tf", f"{LEADING} TL", f"54 {TOP - 2 * LEADING} Td"]
    for line in lines:
        ops.append(f"({_pdf_text(line)}) Tj T*" if line else "T*")
    ops.append("ET")
    ops += ["BT", "/F1 9 Tf", f"290 {BOTTOM} Td", f"({_pdf_text(footer)}) Tj", "ET"]
    return "\n".join(ops).encode("latin-1")


def build_report_pdf(
    pages: Sequence[Sequence[str]],
    header: str = REPORT_HEADER,
    *,
    footer: str = "Page {page} of {pages}",
    width: int = 88,
    hyphenate: bool = False,
    title: str = "Fixture report",
    compress: bool = True,
) -> bytes:
    """A PDF with one page per item of ``pages``, each a list of paragraphs: the running
    ``header`` on top, the paragraphs wrapped at ``width`` characters (a blank line between
    them), ``footer`` (``{page}`` and ``{pages}`` filled in) at the bottom."""
    body = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", FONT]
    kids = []
    for number, paragraphs in enumerate(pages, start=1):
        lines: list[str] = []
        for paragraph in paragraphs:
            if lines:
                lines.append("")
            lines += wrap(paragraph, width, hyphenate)
        text = footer.format(page=number, pages=len(pages))
        stream = _stream(_page_stream(header, lines, text), compress)
        body.append(stream)
        body.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (len(body))
        )
        kids.append(b"%d 0 R" % len(body))
    body[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    body.append(b"<< /Title (%s) /Producer (oigwatch fixture_site) >>" % _pdf_text(title).encode("latin-1"))  # fmt: skip
    return assemble(body, info=len(body))


def _stream(data: bytes, compress: bool) -> bytes:
    if compress:
        data = zlib.compress(data)
        return (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        )
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def assemble(objects: Sequence[bytes], root: int = 1, info: int | None = None) -> bytes:
    """A PDF file of ``objects`` (object n is ``objects[n - 1]``), its xref table and trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for object_id, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % object_id + obj + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"/Size %d /Root %d 0 R" % (len(objects) + 1, root)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref_at)
    return bytes(out)


# the first page of a report as the OIG prints it: the highlights, which state the key facts
HIGHLIGHTS = (
    "Highlights. What We Found. The program office did not track the grants it awarded.",
    "What We Recommend. We made four recommendations to improve the oversight of the program.",
    "FEMA Response. FEMA concurred with all four recommendations.",
)

REVISED_HIGHLIGHTS = (  # the same report's highlights after a revision added a recommendation
    "What We Recommend. We made five recommendations to improve the oversight of the program.",
    "FEMA Response. FEMA concurred with all five recommendations.",
)


def version_pages(name: str) -> list[list[str]]:
    """The paragraphs of one named version of the sample report (see ``report_versions``)."""
    pages = report_text()
    pages[NUMBER_PAGE - 1][1] += f" Of this amount, {NUMBER_BEFORE} was never reconciled."
    if name == "number_changed":
        paragraph = pages[NUMBER_PAGE - 1][1]
        pages[NUMBER_PAGE - 1][1] = paragraph.replace(NUMBER_BEFORE, NUMBER_AFTER)
    elif name == "paragraph_added":
        pages[ADDED_PAGE - 1].insert(2, ADDED_PARAGRAPH)
    elif name == "with_highlights":
        pages[0] = list(HIGHLIGHTS)
    elif name == "highlights_revised":
        pages[0] = [HIGHLIGHTS[0], *REVISED_HIGHLIGHTS]
    elif name not in ("original", "layout_only"):
        raise ValueError(f"no version {name!r}")
    return pages


def report_versions() -> dict[str, bytes]:
    """The sample report (12 pages) in six versions:

    - ``original``;
    - ``number_changed``: ``NUMBER_BEFORE`` → ``NUMBER_AFTER`` on page ``NUMBER_PAGE``;
    - ``paragraph_added``: ``ADDED_PARAGRAPH`` on page ``ADDED_PAGE``;
    - ``with_highlights``: a first page of highlights stating the key facts (``HIGHLIGHTS``);
    - ``highlights_revised``: the same with five recommendations, all concurred with;
    - ``layout_only``: the original's words re-typeset: narrower lines, words hyphenated at line
      ends, "- 3 -" footers instead of "Page 3 of 12" (no change in the text).
    """
    return {
        "original": build_report_pdf(version_pages("original")),
        "number_changed": build_report_pdf(version_pages("number_changed")),
        "paragraph_added": build_report_pdf(version_pages("paragraph_added")),
        "with_highlights": build_report_pdf(version_pages("with_highlights")),
        "highlights_revised": build_report_pdf(version_pages("highlights_revised")),
        "layout_only": build_report_pdf(
            version_pages("layout_only"), footer="- {page} -", width=74, hyphenate=True
        ),
    }


# hostile files ---------------------------------------------------------------------------------


def bomb_pdf(inflated_mb: int = 1024, streams: int = 1) -> bytes:
    """A one-page-per-stream PDF whose content streams each inflate (FlateDecode) to
    ``inflated_mb`` MB of spaces: about 1 kB on the wire per MB inflated."""
    packer = zlib.compressobj(9)
    chunk = b" " * 2**20
    packed = b"".join(packer.compress(chunk) for _ in range(inflated_mb)) + packer.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
    stream += packed + b"\nendstream"
    return _pages_sharing(stream, streams)


def _pages_sharing(stream: bytes, pages: int) -> bytes:
    """A PDF of ``pages`` pages whose contents are all the one ``stream`` (object 4)."""
    body = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", FONT, stream]
    kids = []
    for _ in range(pages):
        body.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
        )
        kids.append(b"%d 0 R" % len(body))
    body[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return assemble(body)


def loop_pdf(kind: str = "pages") -> bytes:
    """A PDF whose objects never end: ``pages``, the /Pages node lists itself among its kids;
    ``references``, a page's contents hold an indirect object that refers to an indirect object
    that refers back to the first."""
    stream = _stream(b"BT /F1 11 Tf 72 700 Td (Looping) Tj ET", compress=False)
    kids = b"[2 0 R 4 0 R 2 0 R] /Count 3" if kind == "pages" else b"[4 0 R] /Count 1"
    return assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids %s >>" % kids,
            FONT,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents [7 0 R 5 0 R] >>",
            b"6 0 R",
            b"5 0 R",
            stream,
        ]
    )


def slow_pdf(operators: int = 2_000_000) -> bytes:
    """A one-page PDF whose content stream (a few kB deflated) holds ``operators`` text
    operators: work without end for a reader that runs every one."""
    ops = b"BT /F1 11 Tf 72 700 Td " + b"(a) Tj " * operators + b"ET"
    body = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
            FONT, _stream(ops, compress=True),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"]  # fmt: skip
    return assemble(body)


def many_pages_pdf(pages: int = 2000) -> bytes:
    """A valid PDF of ``pages`` small pages sharing one content stream."""
    stream = _stream(b"BT /F1 11 Tf 72 700 Td (One of many pages) Tj ET", compress=False)
    return _pages_sharing(stream, pages)
