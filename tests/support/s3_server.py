"""A local S3-speaking server for the archive's tests: moto's standalone server, in a thread, on
a loopback port the OS chooses. It can be stopped (its socket closed: connections are refused,
as with a dead server) and started again on the same port; what it stores lives in this process
(moto's backends), so a restarted server still holds it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "oigwatch-test-key",
    "AWS_SECRET_ACCESS_KEY": "oigwatch-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class S3Server:
    """moto's server on 127.0.0.1 (port 0: the OS picks one, kept across restarts)."""

    def __init__(self) -> None:
        self.port = 0
        self.server: Any = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]

    def stop(self) -> None:
        """Stop serving and close the socket: a connection is refused, not left waiting."""
        if self.server is not None:
            self.server.stop()
            self.server._server.server_close()
            self.server = None

    def bucket(self) -> str:
        """A new, empty bucket (moto's state is shared by every test of this process)."""
        import boto3

        name = f"oigwatch-{uuid.uuid4().hex[:12]}"
        client = boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1")
        client.create_bucket(Bucket=name)
        return name


@contextmanager
def running_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """A running server, with the standard credential variables set for the test."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    server = S3Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()
