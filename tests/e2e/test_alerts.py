"""From a change on the site to the newsroom: Slack threads, email over STARTTLS, signed webhooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.fake_slack import FakeSlack
from support.harness import Oigwatch, write_config
from support.smtp_server import SmtpServer
from support.webhook_receiver import WebhookReceiver

SLACK = """
[[targets]]
kind = "slack"
name = "immigration-slack"
channel = "C-IMM"
base_url = "{api}"

[[routes]]
name = "immigration-desk"
target = "immigration-slack"
components = ["ICE", "CBP", "USCIS"]
"""


def test_new_report_then_revision_threads_in_slack(
    oigwatch: Oigwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    with FakeSlack(token="xoxb-test", channels=("C-IMM",)) as slack:
        oigwatch.config = write_config(tmp_path, routes=SLACK.replace("{api}", slack.api_url))
        assert oigwatch.crawl("--deep") == []
        added = oigwatch.site.mutate(
            {
                "op": "add_report",
                "components": ["ICE"],
                "title": "ICE <!channel> Did Not Track Transfers & Moves",
            }
        )
        oigwatch.site.mutate({"op": "add_report", "components": ["FEMA"]})
        oigwatch.crawl("--quick")
        [alert] = slack.messages
        assert added["report_number"] in alert.text and "<!channel>" not in json.dumps(alert.blocks)
        assert not alert.unfurl_links and alert.thread_ts is None
        oigwatch.site.mutate(
            {
                "op": "retitle",
                "report_number": added["report_number"],
                "suffix_op": "append_revised",
            }
        )
        oigwatch.crawl("--quick")
        [_, revision] = slack.messages
        assert revision.thread_ts == alert.ts, "the revision replies in the original alert's thread"
        assert "Revised" in json.dumps(revision.blocks)
        listing = oigwatch.run("deliveries", "--json")
        rows = [json.loads(line) for line in listing.stdout.splitlines()]
        slack_rows = [r for r in rows if r["target"] == "immigration-slack"]
        assert {r["status"] for r in slack_rows} == {"sent"} and len(slack_rows) == 2


def test_email_goes_over_verified_starttls_with_partial_refusals(
    oigwatch: Oigwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_USER", "oigwatch")
    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    with SmtpServer(tls="starttls", require_starttls=True, auth=("oigwatch", "secret")) as smtp:
        smtp.refuse("gone@example.org")
        routes = f"""
[[targets]]
kind = "email"
name = "desk-mail"
to = ["desk@example.org", "gone@example.org"]
from = "oigwatch@example.org"
smtp_host = "{smtp.host}"
smtp_port = {smtp.port}
ca_file = "{smtp.ca_file}"
username_env = "SMTP_USER"
password_env = "SMTP_PASSWORD"

[[routes]]
name = "mail"
target = "desk-mail"
"""
        oigwatch.config = write_config(tmp_path, routes=routes)
        oigwatch.crawl("--deep")
        added = oigwatch.site.mutate({"op": "add_report", "components": ["CBP"]})
        oigwatch.crawl("--quick")
        [mail] = smtp.messages
        assert mail.tls and mail.rcpt_tos == ("desk@example.org",)
        subject = str(mail.message["Subject"]).strip()  # a folded header parses with its indent
        assert subject.startswith("[DHS OIG] New: " + added["report_number"])
        kinds = {part.get_content_type() for part in mail.message.walk()}
        assert {"text/plain", "text/html"} <= kinds
        rows = [json.loads(x) for x in oigwatch.run("deliveries", "--json").stdout.splitlines()]
        [row] = [r for r in rows if r["target"] == "desk-mail"]
        assert row["status"] == "sent" and "gone@example.org" in row["external_ref"]["refused"]


def test_webhook_is_signed_and_retried_after_a_failure(
    oigwatch: Oigwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIGWATCH_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("OIGWATCH_DELIVERY__BACKOFF", "0.2")
    with WebhookReceiver(secret=b"s3cret") as hook:
        routes = f"""
[[targets]]
kind = "webhook"
name = "pipeline"
url = "{hook.url}"

[[routes]]
name = "pipeline"
target = "pipeline"
"""
        oigwatch.config = write_config(tmp_path, routes=routes)
        oigwatch.crawl("--deep")
        hook.fault(kind="status", status=502)
        added = oigwatch.site.mutate({"op": "add_report"})
        oigwatch.crawl("--quick", "--no-deliver")
        first = oigwatch.run("deliver")
        assert first.exit_code == 0 and hook.rejected == []
        [delivery] = hook.deliveries
        assert delivery.payload["report_number"] == added["report_number"]
        assert delivery.payload["schema"] == "oigwatch.event/1"


def test_test_route_and_retry_from_the_command_line(
    oigwatch: Oigwatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIGWATCH_SLACK_TOKEN", "xoxb-test")
    with FakeSlack(token="xoxb-test", channels=("C-IMM",)) as slack:
        oigwatch.config = write_config(tmp_path, routes=SLACK.replace("{api}", slack.api_url))
        sample = oigwatch.run("test-route", "immigration-desk")
        assert sample.exit_code == 0 and "sent to slack target immigration-slack" in sample.stdout
        assert "Test alert from oigwatch" in slack.messages[0].text
        assert oigwatch.run("test-route", "nope").exit_code == 2
        oigwatch.crawl("--deep")
        slack.fault(kind="error", error="not_in_channel", count=-1)
        oigwatch.site.mutate({"op": "add_report", "components": ["CBP"]})
        oigwatch.crawl("--quick", expect=1)  # recorded, but an alert could not be delivered
        [failed] = [d for d in oigwatch.deliveries() if d["status"] == "failed"]
        assert failed["last_error"].endswith("not_in_channel")
        slack.clear_faults()
        retried = oigwatch.run("retry", str(failed["delivery_id"]))
        assert retried.exit_code == 0
        assert {
            d["status"] for d in oigwatch.deliveries() if d["target"] == "immigration-slack"
        } == {"sent"}
        assert oigwatch.run("retry", "999999").exit_code == 2
