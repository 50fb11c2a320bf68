"""Provides SmtpServer: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message and
every login it receives, and DeadSmtp: a port that accepts connections and never answers."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the server got it, with the wall time it arrived."""

    message: EmailMessage
    arrival_wall: float

    @property
    def subject(self) -> str:
        return str(self.message["subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())


class SmtpServer:
    """aiosmtpd on loopback, accepting any login (recorded) without TLS."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.logins: list[tuple[str, str]] = []
        self._arrived = threading.Condition()
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
        )

    def url(self, password: str = "{password}") -> str:
        """An apprise URL sending through this server as bot@example.com to me@example.com."""
        return (
            f"mailto://bot:{password}@example.com?smtp=127.0.0.1&port={self.port}"
            "&from=bot@example.com&to=me@example.com&mode=insecure"
        )

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.received.append(Received(message, time.time()))
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Waits until `count` messages arrived; returns them all."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._controller.stop()


class DeadSmtp:
    """A port whose connections are accepted by the kernel and never answered: a hung server."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = int(self._sock.getsockname()[1])

    def url(self, password: str = "{password}") -> str:
        """An apprise URL to this port, with a one-second connect timeout."""
        return (
            f"mailto://bot:{password}@example.com?smtp=127.0.0.1&port={self.port}"
            "&from=bot@example.com&to=me@example.com&mode=insecure&cto=1"
        )

    def __enter__(self) -> DeadSmtp:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._sock.close()
