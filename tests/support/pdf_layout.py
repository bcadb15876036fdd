"""Page text as a PDF's text layer gives it, laid out from paragraphs (for the property tests).

``lay_out`` prints the same paragraphs the way different typesetting would: lines broken at a
width, words hyphenated at line ends or not, a running header, a page-number footer in one of
several styles. What pypdf returns for such a page is its lines, top to bottom, one per line.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from fixture_site.pdf_pages import wrap

FOOTERS = ("Page {page} of {pages}", "{page}", "- {page} -", "Page {page}", "{page} of {pages}")
HEADER = "OIG-24-01 Department of Homeland Security www.oig.dhs.gov"
# plain words (none of them a page number or a roman numeral when alone on a line)
WORDS = (
    "the", "Department", "recommendation", "recommendations", "concurred", "program", "FEMA",
    "grants", "oversight", "officials", "documentation", "approximately", "$4.7", "million",
    "obligations", "reviewed", "files", "of", "and", "in", "to", "we", "did", "not", "ensure",
    "management", "headquarters", "Administrator", "implementation", "U.S.", "(CBP)", "2023.",
    "fiscal", "years", "42%", "contracts,", "procedures;", "weaknesses", "monitoring",
)  # fmt: skip
COMPOUNDS = ("follow-up", "non-federal", "DHS-wide", "self-assessment", "long-term")


def numbered(pages: list[list[str]]) -> list[list[str]]:
    """Each paragraph marked as its own ("¶bA ... [bA]", page 2's first), and a tag word after
    every word ("Kabc"): a report's lines seldom repeat, and a line that repeats (digits
    aside) at the top or bottom of most pages is a running header
    (``documents.pages.running_lines``), whatever it says."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    tags = (f"K{x}{y}{z}" for x in letters for y in letters for z in letters)
    out = []
    for p, paragraphs in enumerate(pages):
        page = []
        for i, text in enumerate(paragraphs):
            mark = f"{letters[p]}{letters[i].upper()}"
            words = [f"{w} {next(tags)}" for w in text.split()]
            page.append(f"¶{mark} {' '.join(words)} [{mark}]")
        out.append(page)
    return out


def documents_of(vocabulary: Sequence[str]) -> st.SearchStrategy[list[list[str]]]:
    """Pages of paragraphs of words from ``vocabulary``."""
    paragraph = st.lists(st.sampled_from(vocabulary), min_size=1, max_size=60).map(" ".join)
    page = st.lists(paragraph, min_size=1, max_size=4)
    return st.lists(page, min_size=1, max_size=6).map(numbered)


document = documents_of(WORDS)
style = st.tuples(st.integers(24, 100), st.booleans(), st.sampled_from(FOOTERS))


def lay_out(
    pages: Sequence[Sequence[str]], width: int, hyphenate: bool, footer: str, header: str = HEADER
) -> list[str]:
    """Each page's text as extracted: header line, wrapped body lines, footer line."""
    out = []
    for number, paragraphs in enumerate(pages, start=1):
        lines = [header]
        for text in paragraphs:
            lines += wrap(text, width, hyphenate)
        lines.append(footer.format(page=number, pages=len(pages)))
        out.append("\n".join(lines))
    return out


def words_of(pages: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """What each page should normalise to: its paragraphs' words, single-spaced."""
    return tuple(" ".join(" ".join(paragraphs).split()) for paragraphs in pages)
