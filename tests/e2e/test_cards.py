"""A source made of card lists (/taxonomy/term/{id}) goes through the card spider."""

from __future__ import annotations

from pathlib import Path

from support.harness import TEST_CRAWL, Oigwatch

CONFIG = (
    TEST_CRAWL
    + """
[[sources]]
name = "dhs-oig-terms"
base_url = "https://www.oig.dhs.gov"
hosts = ["oig.dhs.gov"]

  [[sources.views]]
  name = "term-cbp"
  kind = "cards"
  path = "/taxonomy/term/1"
  components = ["CBP"]

  [[sources.views]]
  name = "term-trafficking"
  kind = "cards"
  path = "/taxonomy/term/1568"
"""
)


def test_card_lists_are_a_source_of_their_own(oigwatch: Oigwatch, tmp_path: Path) -> None:
    config = tmp_path / "cards.toml"
    config.write_text(CONFIG, encoding="utf-8")
    oigwatch.config = config
    assert oigwatch.crawl("--deep") == []
    added = oigwatch.site.mutate(
        {"op": "add_report", "components": ["CBP"], "summary": "CBP did not secure its ports."}
    )
    [event] = oigwatch.crawl("--quick")
    assert (event["kind"], event["report_number"]) == ("new", added["report_number"])
    assert event["summary"] == "CBP did not secure its ports." and "CBP" in event["components"]
    assert event["detail_url"] and event["url"].endswith(".pdf")
    oigwatch.site.mutate(
        {"op": "retitle", "report_number": added["report_number"], "suffix_op": "append_revised"}
    )
    [revised] = oigwatch.crawl("--deep")
    assert revised["labels_gained"] == ["revised"]
