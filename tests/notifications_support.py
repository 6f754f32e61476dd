"""A real SMTP server for the notification tests (aiosmtpd, in this process, on its own thread),
which keeps every message it accepts, and can kill a process the moment it has taken a message,
before it answers: a worker killed between sending and recording what it sent."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import threading
from dataclasses import replace
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from registry.config import Settings, get_settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The aiosmtpd handler: what the server accepted, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.kill_on_next: int | None = None
        self.refuse_next = 0
        self.received = threading.Event()
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        self.received.set()
        if self.kill_on_next is not None:
            pid, self.kill_on_next = self.kill_on_next, None
            os.kill(pid, signal.SIGKILL)  # the message is taken; the sender never hears so
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class SMTPServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def settings(self, base: Settings | None = None) -> Settings:
        return replace(base or get_settings(), mail_url=self.url)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
