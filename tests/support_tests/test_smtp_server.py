"""SmtpServer against the stdlib smtplib client."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from support.smtp_server import SmtpServer

AUTH = ("user", "secret")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer(tls="starttls", require_starttls=True, auth=AUTH) as server:
        yield server


def mail(*to: str, subject: str = "New OIG report") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "oigwatch@example.org"
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content("A new report was published.")
    return message


def connect(smtp: SmtpServer, host: str | None = None) -> smtplib.SMTP:
    """A STARTTLS-verified, logged-in client."""
    client = smtplib.SMTP(host or smtp.host, smtp.port, timeout=5)
    client.starttls(context=ssl.create_default_context(cafile=smtp.ca_file))
    client.login(*AUTH)
    return client


def test_partial_refusal_delivers_to_the_rest(smtp: SmtpServer) -> None:
    smtp.refuse("bad@example.org", code=550, text="5.1.1 no such user")
    with connect(smtp) as client:
        refused = client.send_message(mail("ok@example.org", "bad@example.org"))
    assert refused == {"bad@example.org": (550, b"5.1.1 no such user")}
    (got,) = smtp.wait_for(1)
    assert (got.envelope_from, got.envelope_to) == ("oigwatch@example.org", ("ok@example.org",))
    assert got.message["Subject"] == "New OIG report"
    assert got.message.get_content().strip() == "A new report was published."
    assert (got.authenticated_as, got.tls) == ("user", True)


def test_all_refused_raises(smtp: SmtpServer) -> None:
    smtp.refuse("BAD@example.org")
    with connect(smtp) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        client.send_message(mail("bad@example.org"))
    assert info.value.recipients == {"bad@example.org": (550, b"5.1.1 no such user")}
    assert smtp.messages == []


def test_certificate_verifies_for_localhost_too(smtp: SmtpServer) -> None:
    with connect(smtp, host="localhost") as client:
        assert client.send_message(mail("ok@example.org")) == {}


def test_a_client_without_the_ca_fails_verification(smtp: SmtpServer) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(context=ssl.create_default_context())
        client.close()


def test_starttls_is_required_before_auth_and_mail(smtp: SmtpServer) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.ehlo()
        assert client.has_extn("starttls") and not client.has_extn("auth")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            client.login(*AUTH)
        with pytest.raises(smtplib.SMTPSenderRefused) as info:
            client.send_message(mail("ok@example.org"))
    assert info.value.smtp_code == 530


def test_auth_is_required_and_checked(smtp: SmtpServer) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.starttls(context=smtp.client_context())
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.send_message(mail("ok@example.org"))
        with pytest.raises(smtplib.SMTPAuthenticationError) as denied:
            client.login("user", "wrong")
    assert (refused.value.smtp_code, denied.value.smtp_code) == (530, 535)


def test_implicit_tls() -> None:
    with SmtpServer(tls="implicit", auth=AUTH) as smtp:
        with smtplib.SMTP_SSL(smtp.host, smtp.port, context=smtp.client_context()) as client:
            client.login(*AUTH)
            client.send_message(mail("ok@example.org"))
        with pytest.raises(ssl.SSLCertVerificationError):
            smtplib.SMTP_SSL(smtp.host, smtp.port, context=ssl.create_default_context())
        assert smtp.wait_for(1)[0].tls is True


def test_plain_server_without_tls() -> None:
    with SmtpServer(tls=None) as smtp, smtplib.SMTP(smtp.host, smtp.port) as client:
        client.ehlo()
        assert not client.has_extn("starttls")
        client.send_message(mail("ok@example.org"))
        assert (smtp.wait_for(1)[0].tls, smtp.messages[0].authenticated_as) == (False, None)


def test_outage_and_recovery_on_the_same_port(smtp: SmtpServer) -> None:
    port = smtp.port
    with connect(smtp) as client:
        client.send_message(mail("before@example.org"))
        smtp.stop()
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.send_message(mail("during@example.org"))
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(smtp.host, port, timeout=5)
    smtp.start()
    assert smtp.port == port
    with connect(smtp) as client:
        client.send_message(mail("after@example.org"))
    assert [m.rcpt_tos for m in smtp.wait_for(2)] == [
        ("before@example.org",),
        ("after@example.org",),
    ]


def test_fail_data_is_a_data_error_then_recovers(smtp: SmtpServer) -> None:
    smtp.fail_data(code=451, text="4.3.0 try again later")
    with connect(smtp) as client:
        with pytest.raises(smtplib.SMTPDataError) as info:
            client.send_message(mail("ok@example.org"))
        client.send_message(mail("ok@example.org", subject="retry"))
    assert info.value.smtp_code == 451
    assert [m.message["Subject"] for m in smtp.wait_for(1)] == ["retry"]


def test_drop_after_data_keeps_the_message_but_hangs_up(smtp: SmtpServer) -> None:
    smtp.drop_after_data()
    client = connect(smtp)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.send_message(mail("ok@example.org", subject="lost answer"))
    client.close()
    with connect(smtp) as again:
        again.send_message(mail("ok@example.org", subject="answered"))
    subjects = [m.message["Subject"] for m in smtp.wait_for(2)]
    assert subjects == ["lost answer", "answered"]


def test_wait_for_times_out(smtp: SmtpServer) -> None:
    with pytest.raises(TimeoutError):
        smtp.wait_for(1, timeout=0.05)
