"""`oigwatch demo` tells the whole story against the local imitation site."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import main


def test_demo_shows_what_a_newsroom_would_be_told(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--reports", "250"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for expected in (
        "baseline, 0 event(s)",
        "[New] OIG-",
        "[Revised] OIG-24-01",
        "{+ (Revised)+}",
        "[Pulled] OIG-19-11",
        "[Source unhealthy]",
        "[Restored] OIG-19-11",
        "[Source recovered]",
    ):
        assert expected in out, expected
    assert out.index("[Pulled]") > out.index("second deep sweep"), "removed only after two sweeps"
