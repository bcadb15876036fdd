"""A source's display name (``display_name`` in the config) is what alerts call it: the subject of
an email, the header of a Slack digest, through the real worker."""

from __future__ import annotations

import json
from pathlib import Path

from support.desk import Desk, report
from support.smtp_server import SmtpServer

from config.settings import load_settings

CONFIG = """
[delivery]
channel_interval = 1.0
burst_digest = 5

[[sources]]
name = "dhs-oig"
display_name = "Example IG"
base_url = "https://ig.example"

  [[sources.views]]
  name = "reports"
  path = "/reports"

[[targets]]
kind = "slack"
name = "newsroom"
channel = "C-NEWS"
base_url = "{api}"
timeout = 2

[[targets]]
kind = "email"
name = "desk-mail"
to = ["desk@example.org"]
from = "oigwatch@newsroom.example"
smtp_host = "{host}"
smtp_port = {port}
tls = "none"

[[routes]]
name = "slack"
target = "newsroom"

[[routes]]
name = "mail"
target = "desk-mail"
"""


def test_alerts_name_the_source_by_its_display_name(desk: Desk, tmp_path: Path) -> None:
    with SmtpServer(tls=None) as smtp:
        path = tmp_path / "oigwatch.toml"
        toml = CONFIG.format(api=desk.slack.api_url, host=smtp.host, port=smtp.port)
        path.write_text(toml, encoding="utf-8")
        desk.settings = load_settings(path, environ={})
        desk.publish(report("OIG-27-01"))
        desk.worker().drain()
        desk.publish(*[report(f"OIG-27-{i:02d}") for i in range(10, 16)])
        desk.worker().drain()
        mails = smtp.wait_for(2)
    subjects = [str(mail.message["Subject"]).strip() for mail in mails]  # folded: a lead space
    assert subjects[0].startswith("[Example IG] New: OIG-27-01 "), subjects
    assert subjects[1] == "[Example IG] 6 changes: 6 new", "the count is said once"
    _single, digest = desk.slack.messages
    assert digest.blocks and digest.blocks[0]["text"]["text"] == "Example IG: 6 changes"
    assert digest.text == "Example IG: 6 changes: 6 new"
    sent = [json.dumps([m.text, m.blocks]) for m in desk.slack.messages]
    sent += [mail.message.as_string() for mail in mails]
    assert all("DHS OIG" not in text for text in sent)
