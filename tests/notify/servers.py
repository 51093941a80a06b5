"""Real local servers for the notify tests: an HTTP webhook receiver and an SMTP server.

Both listen on 127.0.0.1 only. Every wait is bounded (``WAIT``): a test that would hang fails.
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

WAIT = 20.0  # seconds: the longest any test waits for a server or a subprocess


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class WebhookServer:
    """Records every POST. ``status`` is what it answers; ``hold_from`` makes the request with
    that index (0-based) wait until :meth:`release` (a slow service)."""

    status: int = 200
    hold_from: int | None = None
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                index = len(owner.received)
                owner.received.append(Received(self.path, dict(self.headers), body))
                if owner.hold_from is not None and index >= owner.hold_from:
                    owner.arrived.set()
                    owner.released.wait(WAIT)
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, scheme: str = "json", path: str = "hook") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{path}"

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def event_ids(self) -> list[str]:
        return [r.body["pqa_event_id"] for r in self.received]


def free_port() -> int:
    """A port nothing listens on (for the channel that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.got = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        self.got.set()
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1, keeping every message it accepted."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, ready_timeout=WAIT
        )
        self.controller.start()

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return self.inbox.messages

    def url(self, to: str = "sales@example.com") -> str:
        return f"mailto://127.0.0.1:{self.port}?mode=insecure&from=pqa@example.com&to={to}"

    def close(self) -> None:
        self.controller.stop()


class SlackStandIn:
    """Slack's webhook endpoint on 127.0.0.1: an HTTPS proxy (``CONNECT``) that answers the
    tunnelled request itself, with a throw-away self-signed certificate.

    Apprise's ``slack://`` URLs always post to https://hooks.slack.com; with ``HTTPS_PROXY``
    pointing here and ``verify=no`` on the URL, that post lands in :attr:`received` without
    any name being resolved or any packet leaving the machine.
    """

    def __init__(self, folder: Path) -> None:
        cert, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=hooks.slack.com", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=WAIT,
        )  # fmt: skip
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.received: list[Received] = []
        self.tunnels: list[str] = []
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.connection.settimeout(WAIT)
                target = self.rfile.readline().decode().split()[1]  # CONNECT host:443 HTTP/1.1
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                owner.tunnels.append(target)
                self.connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                with context.wrap_socket(self.connection, server_side=True) as tls:
                    stream = tls.makefile("rb")
                    path = stream.readline().decode().split()[1]
                    headers: dict[str, str] = {}
                    while (line := stream.readline().decode()) not in ("\r\n", "\n", ""):
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                    body = stream.read(int(headers.get("content-length", 0)))
                    owner.received.append(Received(path, headers, json.loads(body)))
                    tls.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    )

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.proxy = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
