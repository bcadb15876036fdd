"""A real SMTP server on 127.0.0.1 (aiosmtpd) with STARTTLS or implicit TLS, a test CA, and AUTH.

::

    with SmtpServer(tls="starttls", require_starttls=True, auth=("user", "secret")) as smtp:
        client = smtplib.SMTP(smtp.host, smtp.port)
        client.starttls(context=ssl.create_default_context(cafile=smtp.ca_file))
        client.login("user", "secret")
        client.send_message(msg)          # -> smtp.messages: list[ReceivedMail]

``tls``: ``"starttls"`` (STARTTLS offered; with ``require_starttls`` every command but
EHLO/NOOP/QUIT/STARTTLS is answered ``530 Must issue a STARTTLS command first``), ``"implicit"``
(TLS from the first byte, for ``smtplib.SMTP_SSL``) or ``None`` (plain text). The certificate is
issued by a fresh trustme CA for ``localhost`` and ``127.0.0.1``; ``ca_file`` is that CA in PEM.
With ``auth``, MAIL needs a successful AUTH (PLAIN or LOGIN) first (``530 5.7.0 Authentication
required``); a wrong password is ``535 5.7.8 Authentication credentials invalid`` (smtplib:
``SMTPAuthenticationError``). Under ``"starttls"`` AUTH is offered only after STARTTLS (``538`` before
it); under ``"implicit"`` and ``None`` it is offered at once (so a test can catch a client that sends
credentials in the clear).

``refuse(address, code, text)`` refuses one RCPT (smtplib: ``SMTPRecipientsRefused`` when every
recipient is refused, else ``send_message`` returns ``{address: (code, b"text")}``).
``fail_data(code, text, count)`` answers the next DATA with that code (smtplib:
``SMTPDataError``; 4xx is temporary). ``drop_after_data(count)`` accepts and stores the next
``count`` messages, then hangs up instead of answering DATA (smtplib: ``SMTPServerDisconnected``;
the sender cannot know the message arrived). ``stop()`` then ``start()`` is an outage: connecting in between
is ``ConnectionRefusedError``; the server comes back on the same port (``port`` changes only if that
port was taken meanwhile). Received mail survives the restart.
"""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, Literal, Self, cast

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from support.loopback_http import Inbox

TlsMode = Literal["starttls", "implicit"] | None


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message: its envelope, the parsed message and how the session went."""

    mail_from: str
    rcpt_tos: tuple[str, ...]  # accepted recipients only
    message: EmailMessage
    received_at: float
    authenticated_as: str | None
    tls: bool

    @property
    def envelope_from(self) -> str:
        return self.mail_from

    @property
    def envelope_to(self) -> tuple[str, ...]:
        return self.rcpt_tos


class _PortZeroController(Controller):
    """A Controller that may listen on port 0 and learns which port the OS chose."""

    auth_needs_starttls = True
    sessions: list[SMTP]

    def factory(self) -> SMTP:
        """An SMTP session; AUTH is offered before STARTTLS only if ``auth_needs_starttls`` is off.

        (Set after construction: ``auth_require_tls=False`` makes aiosmtpd warn on every session.)
        """
        smtp = super().factory()
        smtp._auth_require_tls = self.auth_needs_starttls
        self.sessions.append(smtp)
        return smtp

    def stop(self, no_assert: bool = False) -> None:
        """Drop open sessions (as a crashing server would), then stop."""
        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self._drop_sessions(), self.loop).result(3)
        super().stop(no_assert)

    async def _drop_sessions(self) -> None:
        for smtp in self.sessions:
            transport = smtp._original_transport or smtp.transport
            if isinstance(transport, asyncio.Transport):
                transport.abort()
        await asyncio.sleep(0.01)  # let the transports close their sockets

    def _trigger_server(self) -> None:
        if isinstance(self.server, asyncio.Server) and self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Handler:
    """aiosmtpd hooks: refuse chosen recipients, store every message."""

    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        refusal = self.owner.refusals.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self.owner.take_data_failure()
        if failure is not None:
            return failure
        self.owner.store(_received(server, session, envelope))
        if self.owner.take_drop() and server.transport is not None:
            server.transport.abort()  # received, but the answer never goes out
        return "250 Message accepted for delivery"


def _received(server: SMTP, session: Session, envelope: Envelope) -> ReceivedMail:
    raw = envelope.original_content or envelope.content or b""
    data = raw if isinstance(raw, bytes) else raw.encode()
    message = cast(EmailMessage, BytesParser(policy=default_policy).parsebytes(data))
    auth = session.auth_data
    login = auth.login.decode() if isinstance(auth, LoginPassword) else None
    ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
    return ReceivedMail(
        mail_from=envelope.mail_from or "",
        rcpt_tos=tuple(envelope.rcpt_tos),
        message=message,
        received_at=time.monotonic(),
        authenticated_as=login,
        tls=ssl_object is not None,
    )


class SmtpServer:
    """An SMTP server on ``host``:``port`` that keeps what it receives in ``messages``."""

    host = "127.0.0.1"

    def __init__(
        self,
        tls: TlsMode = "starttls",
        require_starttls: bool = True,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.tls = tls
        self.require_starttls = require_starttls and tls == "starttls"
        self.auth = auth
        self.port = 0
        self.refusals: dict[str, str] = {}
        self._data_failures: list[str] = []
        self._drops = 0
        self._lock = threading.Lock()
        self._mail: Inbox[ReceivedMail] = Inbox()
        self._controller: Controller | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="oigwatch-smtp-")
        self.ca = trustme.CA()
        self.ca_file = str(Path(self._dir.name) / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self._server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("localhost", "127.0.0.1").configure_cert(self._server_ctx)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._dir.cleanup()

    @property
    def messages(self) -> list[ReceivedMail]:
        """Accepted mail in arrival order (a copy)."""
        return self._mail.snapshot()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """Block until ``n`` messages arrived; all so far (``TimeoutError`` if not in time)."""
        return self._mail.wait_for(n, timeout, "emails")

    def client_context(self) -> ssl.SSLContext:
        """A client SSL context that trusts this server's CA."""
        return ssl.create_default_context(cafile=self.ca_file)

    def refuse(self, address: str, code: int = 550, text: str = "5.1.1 no such user") -> None:
        """Refuse ``RCPT TO:<address>`` (case-insensitive) from now on."""
        self.refusals[address.lower()] = f"{code} {text}"

    def fail_data(
        self, code: int = 451, text: str = "4.3.0 try again later", count: int = 1
    ) -> None:
        """Answer the next ``count`` DATA commands with ``code text``; nothing is stored."""
        with self._lock:
            self._data_failures.extend([f"{code} {text}"] * count)

    def drop_after_data(self, count: int = 1) -> None:
        """Store the next ``count`` messages, then hang up without answering their DATA."""
        with self._lock:
            self._drops += count

    def take_drop(self) -> bool:
        with self._lock:
            if self._drops <= 0:
                return False
            self._drops -= 1
            return True

    def take_data_failure(self) -> str | None:
        with self._lock:
            return self._data_failures.pop(0) if self._data_failures else None

    def store(self, mail: ReceivedMail) -> None:
        self._mail.append(mail)

    def start(self) -> None:
        """Listen (again on the previous port after ``stop()``, if it is free)."""
        try:
            self._controller = self._start_on(self.port)
        except OSError:
            self._controller = self._start_on(0)
        self.port = self._controller.port

    def stop(self) -> None:
        """Close the listener and every open session."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _start_on(self, port: int) -> Controller:
        controller = _PortZeroController(
            _Handler(self),
            hostname=self.host,
            port=port,
            ready_timeout=3.0,
            **self._smtp_kwargs(),
        )
        controller.auth_needs_starttls = self.tls == "starttls"
        controller.sessions = []
        controller.start()
        return controller

    def _smtp_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"server_hostname": "localhost"}
        if self.tls == "implicit":
            kwargs["ssl_context"] = self._server_ctx
        elif self.tls == "starttls":
            kwargs["tls_context"] = self._server_ctx
            kwargs["require_starttls"] = self.require_starttls
        if self.auth is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
        return kwargs

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.auth is not None
        ok = ok and (data.login.decode(), data.password.decode()) == self.auth
        if not ok:
            return AuthResult(success=False, handled=False)  # -> 535 5.7.8
        return AuthResult(success=True, auth_data=data)
