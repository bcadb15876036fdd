"""The one cleaner of scraped text (crawler/text.py): what it removes, what it keeps."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

import crawler.text
from crawler.text import UNSAFE, clean_data, clean_json, clean_text

# XML 1.0's Char production: what an Atom or RSS document may hold at all
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
BRIEF = "\u202eevil\u202c \u2066x\u2069 nul\x00 \x1b[31mred"


def removed(char: str) -> bool:
    """The rules, written out: C0 but tab and newline, DEL and C1, bidi embeddings/overrides and
    isolates, surrogates, U+FFFE and U+FFFF."""
    code = ord(char)
    return (
        (code < 0x20 and char not in "\t\n")
        or 0x7F <= code <= 0x9F
        or 0x202A <= code <= 0x202E
        or 0x2066 <= code <= 0x2069
        or 0xD800 <= code <= 0xDFFF
        or code in (0xFFFE, 0xFFFF)
    )


def test_the_brief_strings_lose_every_hostile_character() -> None:
    assert clean_text(BRIEF) == "evil x nul [31mred"
    assert clean_text("a\r\nb\x85c\x9bd\x7fe\x0cf\x0bg") == "a\nbcdefg"


def test_every_code_point_of_the_bmp_follows_the_rules() -> None:
    for code in range(0x10000):
        char = chr(code)
        for text in (char, f"a{char}b", f"é{char}"):  # the ASCII fast path and the pattern
            expected = text.replace(char, "") if removed(char) else text
            assert clean_text(text) == expected, hex(code)


def test_text_in_every_script_stays_as_it_is() -> None:
    kept = "تقرير المفتش العام עברית 🚨 👩🏽‍⚖️ 🇺🇸 \u200e\u200f\u061c é\u0301 ２０２６ \t tab\nline \u2028"
    assert clean_text(kept) == kept
    plain = "nothing to remove\tat all\n"
    assert clean_text(plain) is plain, "no copy in the common case"


def test_anything_becomes_text() -> None:
    assert clean_text(None) == "" and clean_text(12) == "12" and clean_text(1.5) == "1.5"
    assert clean_text(["\x1b"]) == "['\\x1b']", "str() of a list: its repr, already inert"


ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates too
HOSTILE = st.sampled_from([*"\x00\x1b\r\x85\x9b\u202a\u202e\u2066\u2069\ud800\udfff\ufffe\uffff"])


@given(st.text(alphabet=st.one_of(ANY_CHARACTER, HOSTILE), max_size=200))
def test_output_is_xml_and_utf8_safe_and_cleaning_is_idempotent(text: str) -> None:
    out = clean_text(text)
    assert XML_CHAR.fullmatch(out) and "\r" not in out
    out.encode("utf-8")  # no lone surrogate left
    assert not UNSAFE.search(out) and clean_text(out) == out
    assert all(unicodedata.category(c) != "Cc" or c in "\t\n" for c in out)


def test_data_is_cleaned_all_the_way_down() -> None:
    event = {
        "title\u202e": BRIEF,
        "changes": [{"field": "title", "old": "\x1b[2J", "new": None}],
        "components": ("ICE\u2066", "CBP"),
        "held": 3,
        "site_wide": True,
    }
    assert clean_data(event) == {
        "title": "evil x nul [31mred",
        "changes": [{"field": "title", "old": "[2J", "new": None}],
        "components": ("ICE", "CBP"),
        "held": 3,
        "site_wide": True,
    }
    assert clean_data(None) is None and clean_data(7) == 7


TEXTS = st.text(alphabet=st.one_of(ANY_CHARACTER, HOSTILE, st.sampled_from([*"\\ubfrn0"])))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXTS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXTS, inner, max_size=4),
    max_leaves=12,
)


@given(JSON)
def test_clean_json_is_the_json_of_the_cleaned_data(value: object) -> None:
    """Its shortcut (scanning the JSON text instead of walking the data) never misses."""
    expected = json.dumps(clean_data(value), ensure_ascii=False)
    assert clean_json(value) == expected
    assert clean_json(value, indent=2) == json.dumps(
        clean_data(value), ensure_ascii=False, indent=2
    )


def test_clean_json_skips_the_walk_when_nothing_needs_cleaning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = {"title": "CBP’s “Revised” — report\tone\nتقرير", "n": [1, None, True]}
    with monkeypatch.context() as patched:
        patched.setattr(crawler.text, "clean_data", None)  # a walk would raise
        assert clean_json(plain) == json.dumps(plain, ensure_ascii=False)
    assert json.loads(clean_json({"t\u202e": ["\x1b[31m", "\r\n"]})) == {"t": ["[31m", "\n"]}


def test_admission_and_every_output_share_it() -> None:
    """No module keeps a cleaner of its own (the duplicates this one replaced)."""
    import crawler.admit
    import notifier.console
    import notifier.render.common
    import web.feeds

    assert crawler.admit.clean_text is clean_text
    assert notifier.console.safe is clean_text
    assert web.feeds.clean_text is clean_text
    assert notifier.render.common.clean_text is clean_text
    for module in ("crawler.admit", "notifier.console", "web.feeds", "notifier.render.common"):
        names = vars(sys.modules[module])
        assert not {"_UNSAFE", "_CONTROL", "_XML_ILLEGAL", "xml_safe"} & set(names), module
