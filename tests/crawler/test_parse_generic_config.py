"""The generic layout's selectors are checked when the config is read: one config error (exit 2
through the CLI, no traceback, nothing created) naming the key and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from config.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "config" / "another-listing.toml").read_text(encoding="utf-8")
WHERE = "sources[example-oig].views[reports]"
ROW = 'row = "div.view-content > div.views-row"\n'
DATE_FORMAT = 'date_format = "%B %d, %Y"'
PATTERN = "report_number_pattern = 'OIG-\\d{2}-\\d{2,3}'"


def test_the_shipped_example_is_a_valid_config() -> None:
    [source] = load_settings(ROOT / "config" / "another-listing.toml", environ={}).sources
    assert source.display_name == "Department of Examples OIG"
    [view] = source.views
    assert view.kind == "generic" and view.layout_module == "crawler.layouts.generic"
    assert view.selectors is not None and view.selectors.date_format == "%B %d, %Y"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (ROW, 'row = "div.view-content >> div["\n',
         f"{WHERE}.selectors.row: not a valid CSS selector:"
         " 'div.view-content >> div[' (Expected selector, got <DELIM '>' at 18>)"),
        ('title = "div.views-field-title a"', 'title = "xpath://a[@"',
         f"{WHERE}.selectors.title: not a valid XPath selector: 'xpath://a[@'"
         " (Invalid expression)"),
        ('title = "div.views-field-title a"', 'title = "a::attr("',
         f"{WHERE}.selectors.title: not a valid CSS selector: 'a::attr('"),
        ('date = "span.date-display-single"', 'date = "xpath:"',
         f"{WHERE}.selectors.date: an empty selector"),
        (ROW, "", f"{WHERE}.selectors: missing required selector: row"),
        (ROW + '    title = "div.views-field-title a"\n', "",
         f"{WHERE}.selectors: missing required selectors: row, title"),
        (DATE_FORMAT, 'date_format = "%B %Y"',
         f"{WHERE}.selectors.date_format: date format '%B %Y' does not name a"
         " year, a month and a day (it reads 'November 2026' as 2026-11-01)"),
        (DATE_FORMAT, 'date_format = "%Q %d"',
         f"{WHERE}.selectors.date_format: not a usable date format: '%Q %d'"),
        (DATE_FORMAT, 'date_format = "Month Day Year"',
         f"{WHERE}.selectors.date_format: not a date format: 'Month Day Year'"),
        (DATE_FORMAT, "",
         f"{WHERE}.selectors: date needs date_format (strptime codes"),
        (PATTERN, "report_number_pattern = 'OIG-(\\d'",
         f"{WHERE}.selectors.report_number_pattern: not a regular expression:"),
        ('summary = "div', 'summry = "div', f"{WHERE}.selectors.summry: unknown key"),
        ('  kind = "generic"\n', '  kind = "cards"\n',
         f"{WHERE}: selectors: kind 'cards' does not read selectors"),
    ],
)  # fmt: skip
def test_a_bad_selector_table_is_one_config_error(
    old: str, new: str, message: str, tmp_path: Path
) -> None:
    assert old in EXAMPLE
    config = tmp_path / "bad.toml"
    config.write_text(EXAMPLE.replace(old, new, 1), encoding="utf-8")
    ledger = tmp_path / "ledger.db"
    result = CliRunner().invoke(
        main, ["sources", "--config", str(config), "--db", f"sqlite:///{ledger}"]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = result.stderr.splitlines()  # one problem: one line
    assert line.startswith("Error: invalid configuration (")
    assert line.split(" environment): ", 1)[1].startswith(message), line
    assert not ledger.exists()


def test_the_generic_kind_needs_a_selector_table(tmp_path: Path) -> None:
    head, _, _ = EXAMPLE.partition("    [sources.views.selectors]")
    config = tmp_path / "bare.toml"
    config.write_text(head, encoding="utf-8")
    result = CliRunner().invoke(main, ["crawl", "--config", str(config), "--db", "sqlite://"])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.endswith(
        f" environment): {WHERE}: kind 'generic' needs a [sources.views.selectors] table"
    )


def test_the_operator_guides_example_is_the_shipped_one(tmp_path: Path) -> None:
    """The worked example of "Watch another listing" reads, and says what the shipped file says."""
    guide = (ROOT / "docs" / "operator-guide.md").read_text(encoding="utf-8")
    section = guide.split("## Watch another listing", 1)[1].split("\n## ", 1)[0]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    config = tmp_path / "guide.toml"
    config.write_text(example, encoding="utf-8")
    shown = load_settings(config, environ={}).sources
    shipped = load_settings(ROOT / "config" / "another-listing.toml", environ={}).sources
    without_empty = shipped[0].views[0].selectors
    assert without_empty is not None
    assert shown[0].views[0].selectors == without_empty.model_copy(update={"empty": None})
    assert shown[0].model_copy(update={"views": ()}) == shipped[0].model_copy(update={"views": ()})
    assert "tests/" not in section, "the operator guide never points at tests"
