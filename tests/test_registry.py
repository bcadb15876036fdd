"""The registries of channels and page layouts (config/registry.py): built-in ones found on the
first read, kinds checked by the config models, and reading the config kept cheap."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from config.registry import CHANNELS, LAYOUTS, Layout
from config.settings import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
EVERY_KIND = """
[[targets]]
kind = "slack"
name = "s"
channel = "C1"

[[targets]]
kind = "email"
name = "m"
to = ["desk@example.org"]
from = "oigwatch@example.org"
smtp_host = "mail.example.org"

[[targets]]
kind = "webhook"
name = "w"
url = "https://example.org/hook"

[[targets]]
kind = "slack_webhook"
name = "sw"

[[sources]]
name = "s"
base_url = "https://example.org"

  [[sources.views]]
  name = "cards"
  kind = "cards"
  path = "/cards"
"""


def test_the_built_in_kinds_are_registered_in_their_order() -> None:
    assert CHANNELS.kinds()[:5] == ("console", "slack", "slack_webhook", "email", "webhook")
    assert LAYOUTS.kinds()[:2] == ("table", "cards")
    assert CHANNELS["email"].config.__module__ == "notifier.channels.email"
    assert LAYOUTS["table"].pdf_rechecks and not LAYOUTS["cards"].pdf_rechecks
    with pytest.raises(KeyError, match="unknown layout kind 'dl'"):
        LAYOUTS["dl"]


def test_a_target_is_its_channels_model(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(EVERY_KIND, encoding="utf-8")
    settings = load_settings(config, environ={})
    for target in settings.targets:
        assert type(target) is CHANNELS[target.kind].config
    assert settings.model_dump(by_alias=True)["targets"][1]["from"] == "oigwatch@example.org"
    assert settings.sources[0].views[0].layout_module == "crawler.layouts.cards"


def test_a_view_kind_is_a_registered_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(EVERY_KIND.replace('kind = "cards"', 'kind = "dl"'), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"views\[cards\].kind: Input should be 'table', 'cards' or 'generic'"
    ):
        load_settings(config, environ={})
    monkeypatch.setitem(LAYOUTS, "dl", replace(LAYOUTS["cards"], kind="dl", module="m"))
    assert load_settings(config, environ={}).sources[0].views[0].layout_module == "m"


def test_an_entry_is_registered_under_its_own_kind() -> None:
    with pytest.raises(ValueError, match="the entry's own kind"):
        LAYOUTS["other"] = Layout("dl", print, "m")
    assert "other" not in LAYOUTS


def test_reading_the_config_imports_no_client_library(tmp_path: Path) -> None:
    """Channel and layout modules import slack_sdk, httpx, smtplib and the parsers when they send
    or parse: the command line reads every kind's config without them."""
    config = tmp_path / "c.toml"
    config.write_text(EVERY_KIND, encoding="utf-8")
    heavy = ("slack_sdk", "httpx", "smtplib", "scrapy", "lxml")
    code = (
        "import sys; from config.settings import load_settings; "
        f"load_settings({str(config)!r}, environ={{}}); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
