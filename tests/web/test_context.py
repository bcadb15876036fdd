"""What every part of the web side is handed (``web/context.py``): page templates that clean every
printed value before escaping it, and the installed version."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup

from web.context import STYLESHEET_PATH, app_version, page_templates, printable


def test_printable_cleans_text_and_markup_and_leaves_other_values() -> None:
    assert printable("Red\x1b[31m \u202eflag") == "Red[31m flag"
    cleaned = printable(Markup("<ins>new\x07</ins>"))
    assert isinstance(cleaned, Markup) and cleaned == Markup("<ins>new</ins>")
    assert printable(3) == 3 and printable(None) is None


def test_templates_clean_then_escape_and_refuse_undefined_names() -> None:
    env = page_templates()
    page = env.from_string("{{ title }}|{{ when(at) }}")
    assert page.render(title="<b>\x1bx</b>", at="2026-11-23T01:30:00") == (
        "&lt;b&gt;x&lt;/b&gt;|Nov 22, 2026, 8:30 PM EST"
    )
    with pytest.raises(jinja2.UndefinedError, match="missing"):  # a typo is an error, not a blank
        env.from_string("{{ missing }}").render()


def test_version_and_stylesheet_address() -> None:
    assert app_version()  # the installed package's version (or 0+unknown)
    assert STYLESHEET_PATH.startswith("/static/style.css?v=") and len(STYLESHEET_PATH) == 32
