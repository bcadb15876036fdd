"""The email channel, over SMTP: STARTTLS with certificate verification (or implicit TLS), multipart text + HTML.

Partial refusals are recorded per recipient; only a message no recipient accepted is a failure.
A delivery keeps one ``Message-ID`` on every attempt (``<oigwatch-<delivery id>.<hash>@<domain>>``),
so a message sent again after an unknown attempt (a lost answer, a killed worker) can be told a
duplicate by mail servers and clients that look at it; SMTP itself cannot be asked.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator

from config.delivery import TargetConfig, env_name
from config.registry import CHANNELS, Channel
from notifier.render.email import EmailContent, email_digest, email_message
from notifier.transports import Outgoing, Permanent, Transient, Unknown, secret

if TYPE_CHECKING:
    import smtplib

TRANSIENT_CODES = range(400, 500)


class EmailTarget(TargetConfig):
    """An email list, through SMTP (STARTTLS with certificate verification, or implicit TLS)."""

    to: tuple[str, ...]
    sender: str = Field(alias="from")
    smtp_host: str
    smtp_port: int = 587
    tls: Literal["starttls", "implicit", "none"] = "starttls"
    username_env: str = ""
    password_env: str = ""
    ca_file: str = ""  # extra CA bundle (a private mail server); system CAs otherwise
    timeout: Annotated[float, Field(gt=0)] = 30.0

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    _check_env = field_validator("username_env", "password_env")(env_name)

    @field_validator("to")
    @classmethod
    def _has_recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or any("@" not in address for address in value):
            raise ValueError("must list email addresses")
        return value


def compose(target: EmailTarget, outgoing: Outgoing, templates: Any) -> EmailMessage:
    """The multipart message (text first, then HTML)."""
    content: EmailContent = (
        email_digest(outgoing.events, templates, outgoing.digest_title)
        if outgoing.is_digest
        else email_message(outgoing.events[0], templates)
    )
    message = EmailMessage()
    message["Subject"] = content.subject
    message["From"] = target.sender
    message["To"] = ", ".join(target.to)
    message["Message-ID"] = message_id(target, outgoing)
    message.set_content(content.text)
    message.add_alternative(content.html, subtype="html")
    return message


def message_id(target: EmailTarget, outgoing: Outgoing) -> str:
    """The same on every attempt of a delivery, and unlike any other ledger's delivery of that id
    (the hash covers the event's id and detection time); a fresh one outside the outbox."""
    domain = parseaddr(target.sender)[1].rpartition("@")[2] or None
    first = outgoing.events[0] if outgoing.events else {}
    if not outgoing.delivery_key or first.get("delivery_id") is None:
        return make_msgid(domain=domain)
    seed = f"{first['delivery_id']}|{first.get('event_id')}|{first.get('detected_at')}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:10]
    return f"<oigwatch-{first['delivery_id']}.{digest}@{domain or socket.getfqdn()}>"


def _connect(target: EmailTarget) -> smtplib.SMTP:
    import smtplib
    import ssl

    context = ssl.create_default_context(cafile=target.ca_file or None)
    if target.tls == "implicit":
        return smtplib.SMTP_SSL(
            target.smtp_host, target.smtp_port, timeout=target.timeout, context=context
        )
    smtp = smtplib.SMTP(target.smtp_host, target.smtp_port, timeout=target.timeout)
    if target.tls == "starttls":
        smtp.starttls(context=context)
    return smtp


def send(target: EmailTarget, outgoing: Outgoing, templates: Any) -> dict[str, Any]:
    """Send one message to the list; the reference is its Message-ID and any refusals."""
    import smtplib
    import ssl

    message = compose(target, outgoing, templates)
    try:
        smtp = _connect(target)
    except ssl.SSLCertVerificationError as exc:
        raise Permanent(
            f"email {target.name}: the server's certificate does not verify: {exc}"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise Transient(f"email {target.name}: {type(exc).__name__}: {exc}") from exc
    try:
        if target.username_env:
            smtp.login(
                secret(target.username_env, f"email {target.name}"),
                secret(target.password_env, f"email {target.name}"),
            )
        refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise Permanent(
            f"email {target.name}: every recipient refused: {_codes(exc.recipients)}"
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise Permanent(f"email {target.name}: authentication failed ({exc.smtp_code})") from exc
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code in TRANSIENT_CODES:
            raise Transient(f"email {target.name}: {exc.smtp_code} {exc.smtp_error!r}") from exc
        raise Permanent(f"email {target.name}: {exc.smtp_code} {exc.smtp_error!r}") from exc
    except (OSError, smtplib.SMTPException) as exc:  # a hang-up or timeout: it may have been queued
        raise Unknown(f"email {target.name}: {type(exc).__name__}: {exc}") from exc
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()  # a failed QUIT after the message was accepted changes nothing
        smtp.close()
    return {"message_id": message["Message-ID"], "refused": _codes(refused)}


def _codes(refused: dict[str, Any]) -> dict[str, str]:
    return {
        address: f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
        for address, (code, text) in refused.items()
    }


CHANNELS.register(Channel("email", EmailTarget, send, compose))
