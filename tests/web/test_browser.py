"""What a reader sees in a real browser (headless Chromium): the revision's struck and inserted
words, styled by the app's stylesheet under its Content-Security-Policy, and hostile text as text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import ConsoleMessage, Dialog, Page
from support import browser as browser_support
from support.browser import chromium

DEL_BG, INS_BG = (0xFF, 0xCD, 0xD2), (0xC8, 0xF0, 0xCD)  # web/static/style.css


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def colour_counts(png: Path) -> tuple[int, int]:
    """Pixels in the deletion and in the insertion background colour."""
    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return (
        sum(count for count, rgb in colours if near(rgb, DEL_BG)),
        sum(count for count, rgb in colours if near(rgb, INS_BG)),
    )


def style(page: Page, selector: str, prop: str) -> str:
    return str(page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}"))


def watch(page: Page) -> tuple[list[str], list[str]]:
    """Console messages and dialogs (an alert() from hostile text would be one)."""
    console: list[str] = []
    dialogs: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        console.append(message.text)

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("console", on_console)
    page.on("dialog", on_dialog)
    return console, dialogs


def test_reader_sees_the_revision_struck_and_inserted(pages: httpx.Client, tmp_path: Path) -> None:
    base = str(pages.base_url).rstrip("/")
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        console, dialogs = watch(page)
        response = page.goto(base + "/reports/OIG-19-11")
        assert response is not None and response.status == 200
        text = page.inner_text("main")
        assert "Version 2" in text and "Version 1" in text
        assert "CBP did not collect $4.3 billion in delinquent debt owed by importers." in text
        version = "li#version-2"
        deleted = page.locator(f"{version} del").all_inner_texts()
        inserted = page.locator(f"{version} ins").all_inner_texts()
        # the summary was rewritten: the old text struck whole, then the new one, not a jumble
        assert any(d.startswith("CBP has a statutory responsibility to") for d in deleted)
        assert "(Revised)" in inserted
        assert "CBP did not collect $4.3 billion in delinquent debt owed by importers." in inserted
        first_del, first_ins = (
            page.locator(f"{version} del").first,
            page.locator(f"{version} ins").first,
        )
        assert first_del.is_visible() and first_ins.is_visible()
        assert "line-through" in style(page, f"{version} del", "textDecorationLine")
        assert "underline" in style(page, f"{version} ins", "textDecorationLine")
        assert style(page, f"{version} del", "backgroundColor") == "rgb(255, 205, 210)"
        assert style(page, f"{version} ins", "backgroundColor") == "rgb(200, 240, 205)"
        shot = tmp_path / "redline.png"
        page.locator(f"{version} dl.changes").screenshot(path=str(shot))
        deletions, insertions = colour_counts(shot)
        assert deletions > 10_000, f"deletion colour barely on screen ({deletions} px)"
        assert insertions > 1_000, f"insertion colour barely on screen ({insertions} px)"
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        assert page.evaluate("document.scripts.length") == 0
        assert not [m for m in console if "Content Security Policy" in m], console
        assert dialogs == []


def test_changes_page_in_the_browser(
    pages: httpx.Client, sqlite_ledger: Any, tmp_path: Path
) -> None:
    base = str(pages.base_url).rstrip("/")
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        console, dialogs = watch(page)
        page.goto(base + "/")
        ids = [e["event_id"] for e in sqlite_ledger.newest_first]
        shown = page.locator("article.change").evaluate_all("list => list.map(a => a.id)")
        assert shown == [f"event-{i}" for i in ids], "newest first"
        revised = page.locator(f"#event-{sqlite_ledger.events['revised']['event_id']}")
        assert "(Revised)" in revised.locator("ins").all_inner_texts()
        shot = tmp_path / "change.png"
        revised.locator("dl.changes").screenshot(path=str(shot))
        deletions, insertions = colour_counts(shot)
        assert deletions > 10_000 and insertions > 1_000, (deletions, insertions)
        hostile = page.locator(f"#event-{sqlite_ledger.events['hostile']['event_id']} h2")
        assert '<script>alert(1)</script> & "quotes"' in hostile.inner_text(), "shown as text"
        page.screenshot(path=str(tmp_path / "changes.png"), full_page=True)
        assert page.evaluate("document.scripts.length") == 0 and dialogs == []
        assert not [m for m in console if "Content Security Policy" in m], console


def test_the_health_banner_and_local_times_are_on_screen(
    empty_ledger: Any, serve: Any, record_health: Any, tmp_path: Path
) -> None:
    """An unhealthy source: the banner on every page says so in words (no exception class), and
    times read in the newsroom's zone (display_timezone, America/New_York by default)."""
    engine, settings = empty_ledger
    finished = datetime(2026, 12, 2, 14, 14, tzinfo=UTC)  # 9:14 AM in New York
    reason = (
        "DownloadConnectionRefusedError: Connection was refused by other side: 111: Connection "
        "refused. at 13 pages, e.g. http://127.0.0.1:8765/en/reports?page=2"
    )
    record_health(engine, settings, reason, finished)
    server = serve(settings, engine)
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        console, dialogs = watch(page)
        page.goto(server.url + "/")
        banner = page.locator("section.banner")
        assert banner.is_visible()
        said = banner.inner_text()
        assert "Watching dhs-oig has been failing since Dec 2, 2026, 9:14 AM EST" in said, said
        assert "connection refused by 127.0.0.1:8765 (13 pages" in said, said
        assert "Error" not in said
        moment = page.locator("article.change time").first
        assert moment.is_visible() and moment.inner_text() == "Dec 2, 2026, 9:14 AM EST"
        assert moment.get_attribute("datetime", timeout=1000).startswith("2026-12-02T14:14")  # type: ignore[union-attr]
        page.screenshot(path=str(tmp_path / "banner.png"), full_page=True)
        page.goto(server.url + "/sources")
        assert page.locator("section.banner").is_visible()
        since = page.get_by_text("Unhealthy since Dec 2, 2026, 9:14 AM EST")
        assert since.is_visible()
        assert "Error" not in page.inner_text("main")
        assert dialogs == [] and not [m for m in console if "Content Security Policy" in m]


def test_missing_chromium_skips_or_fails_when_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv(browser_support.REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="make browser"):
        browser_support.chromium_or_skip()
    monkeypatch.setenv(browser_support.REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match="requires the browser test"):
        browser_support.chromium_or_skip()
