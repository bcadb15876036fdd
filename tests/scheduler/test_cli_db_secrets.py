"""A database URL's password is never echoed, whatever the URL around it (issue #11, obs. 2).

The password is drawn with a marker character (``¤``) between every two of its characters, a
character no message of oigwatch holds: any echoed piece of it, even a cut one (an unencoded
``@`` splits a password in two), shows the marker.
"""

from __future__ import annotations

import string

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.loopback_http import closed_port

from cli.main import main
from config.urls import check_database_url

MARK = "¤"
CLOSED = closed_port()  # nothing listens: a URL that parses is refused by the (absent) server
SCHEMES = ["postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2", "mysql",
           "sqlite", "oracle+cx", "pg", "", "postgresql:", "http", *["postgresql"] * 6]  # fmt: skip
# Every host either fails to parse or is a closed loopback port: never an empty host (libpq's
# local socket) nor a default port, where a real server may answer and a crawl would record.
HOSTS = [f"127.0.0.1:{CLOSED}", "127.0.0.1:notaport", "[::1", "[::1]:x", f"[::1]:{CLOSED}",
         f"127.0.0.1:{CLOSED}/db?x=1", "[::1]:99999", f"127.0.0.1:{CLOSED}:1"]  # fmt: skip

CHARACTERS = [*string.printable.strip(), *"é€?#[]% \t", *"@" * 30, *":/" * 10]  # '@' often
passwords = st.text(alphabet=st.sampled_from(CHARACTERS), min_size=1, max_size=12).map(
    lambda raw: MARK + MARK.join(raw) + MARK
)


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, str]:
    password = draw(passwords)
    scheme = draw(st.sampled_from(SCHEMES))
    host = draw(st.sampled_from(HOSTS))
    tail = draw(st.sampled_from(["/oig", "", "/oig@x", "/"]))
    user = draw(st.sampled_from(["oig", "o:i"]))
    return f"{scheme}://{user}:{password}@{host}{tail}", password


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urls())
def test_a_password_is_never_echoed(case: tuple[str, str]) -> None:
    url, password = case
    for args in (("sources", "--db", url), ("crawl", "--quick", "--db", url)):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        output = result.stdout + result.stderr
        assert MARK not in output and password not in output, output
        assert result.exit_code == 2, output  # nothing here is a ledger oigwatch can open
        assert len(result.stderr.strip().splitlines()) == 1, output


@settings(max_examples=300, deadline=None)
@given(urls())
def test_the_url_check_never_puts_the_password_in_its_message(case: tuple[str, str]) -> None:
    url, _password = case
    try:
        check_database_url(url)
    except ValueError as exc:
        assert MARK not in str(exc)
