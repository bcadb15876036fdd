"""What changed inside a replaced PDF, from the site to every reader (SQLite and PostgreSQL): the
real CLI crawls the fixture site; a new report's alert goes to Slack and email; its PDF is then
replaced by a version that differs in one number on one page; the revision's Slack thread reply,
its email, its feed entry and the report's page all name the page and show the passage, and the
page links both archived versions, which the web app serves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.fake_slack import FakeSlack
from support.harness import Oigwatch, write_config
from support.smtp_server import SmtpServer
from support.web_server import WebServer

from config.settings import load_settings
from fixture_site import FixtureSite, build_state
from fixture_site.document_ops import document_bytes
from fixture_site.pdf_pages import NUMBER_AFTER, NUMBER_BEFORE, NUMBER_PAGE
from ledger.db import make_engine, normalize_url
from web.app import create_app

OLD, NEW = NUMBER_BEFORE.split()[0], NUMBER_AFTER.split()[0]  # "$4.7", "$6.2": the changed word

ROUTES = """
[[targets]]
kind = "slack"
name = "desk-slack"
channel = "C-DESK"
base_url = "{api}"

[[targets]]
kind = "email"
name = "desk-mail"
to = ["desk@example.org"]
from = "oigwatch@example.org"
smtp_host = "{smtp_host}"
smtp_port = {smtp_port}
ca_file = "{ca_file}"

[[routes]]
name = "everything-slack"
target = "desk-slack"

[[routes]]
name = "everything-mail"
target = "desk-mail"
"""


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=30, seed=7)) as running:
        running.mutate({"op": "tie_shuffle", "mode": "stable"})
        yield running


def test_a_replaced_pdf_reaches_slack_email_feed_and_page(
    site: FixtureSite, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    with (
        FakeSlack(token="xoxb-test", channels=("C-DESK",)) as slack,
        SmtpServer(tls="starttls") as smtp,
    ):
        routes = ROUTES.format(api=slack.api_url, smtp_host=smtp.host, smtp_port=smtp.port,
                               ca_file=smtp.ca_file)  # fmt: skip
        ow = Oigwatch(site, db_url, write_config(tmp_path, routes=routes))
        assert ow.crawl("--deep") == []
        added = site.mutate({"op": "add_report", "components": ["FEMA"]})
        number = added["report_number"]
        site.mutate({"op": "set_pdf_document", "report_number": number, "document": "original"})
        [new] = ow.crawl("--quick")  # the new report's PDF is fetched, fingerprinted, archived
        assert new["kind"] == "new"
        site.mutate({"op": "set_pdf_document", "report_number": number, "document": "number"})
        [revised] = ow.crawl("--deep", "--pdf-checks", "all")
        assert revised["kind"] == "revised"
        assert revised["pdf_changes"]["changed_pages"] == [NUMBER_PAGE]

        alert, reply = slack.messages
        assert reply.thread_ts == alert.ts, "the revision replies in the new report's thread"
        said = json.dumps(reply.blocks)
        assert f"Changed on page {NUMBER_PAGE}" in said
        assert f"~{OLD}~ *{NEW}*" in said, "the passage, struck out and set in"

        mails = [m for m in smtp.messages if number in str(m.message["Subject"])]
        assert len(mails) == 2
        body = mails[-1].message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert f"Changed on page {NUMBER_PAGE}" in text and OLD in text and NEW in text

    settings = load_settings(ow.config, overrides={"database_url": db_url})
    engine = make_engine(normalize_url(db_url))
    try:
        with (
            WebServer(create_app(settings, engine)) as server,
            httpx.Client(base_url=server.url, timeout=30) as web,
        ):
            feed = web.get("/feeds/changes.json").json()
            [item] = [i for i in feed["items"] if i["_oigwatch"]["event_id"] == revised["event_id"]]
            assert f"Changed on page {NUMBER_PAGE}" in item["content_text"]
            assert OLD in item["content_text"] and NEW in item["content_text"]
            page = web.get(f"/reports/{number}")
            assert page.status_code == 200
            assert f"Changed on page {NUMBER_PAGE}" in page.text and NEW in page.text
            for document in ("original", "number"):
                digest = hashlib.sha256(document_bytes(document)).hexdigest()
                assert f"/archive/{digest}.pdf" in page.text
                stored = web.get(f"/archive/{digest}.pdf")
                assert stored.status_code == 200 and stored.content == document_bytes(document)
    finally:
        engine.dispose()


def test_a_new_report_alert_leads_with_the_key_facts_its_pdf_states(
    site: FixtureSite, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No summary on the listing: the facts come from the highlights on the PDF's first page."""
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    with FakeSlack(token="xoxb-test", channels=("C-DESK",)) as slack:
        routes = SLACK_ONLY.format(api=slack.api_url)
        ow = Oigwatch(site, db_url, write_config(tmp_path, routes=routes))
        assert ow.crawl("--deep") == []
        added = site.mutate({"op": "add_report", "components": ["FEMA"], "summary": None})
        site.mutate({"op": "set_pdf_document", "report_number": added["report_number"],
                     "document": "highlights"})  # fmt: skip
        [new] = ow.crawl("--quick")
        assert new["kind"] == "new" and new["summary"] is None
        assert new["pdf_key_facts"] == {
            "recommendations": 4, "concurred": 4, "response": "FEMA concurred with all"
        }  # fmt: skip
        [alert] = slack.messages
        assert "4 recommendations · FEMA concurred with all" in json.dumps(
            alert.blocks, ensure_ascii=False
        )


SLACK_ONLY = """
[[targets]]
kind = "slack"
name = "desk-slack"
channel = "C-DESK"
base_url = "{api}"

[[routes]]
name = "everything-slack"
target = "desk-slack"
"""
