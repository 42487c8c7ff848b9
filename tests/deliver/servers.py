"""Local servers that speak HTTP and SMTP, and fail on demand."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Script:
    """Responses to give, in order; the last one repeats. ("sleep", s) stalls past timeouts."""

    responses: list[tuple[int, dict[str, str]] | tuple[str, float]] = field(
        default_factory=lambda: [(200, {})]
    )
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def next(self) -> tuple[int, dict[str, str]] | tuple[str, float]:
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]


@contextmanager
def http_server(script: Script) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            script.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            action = script.next()
            if action[0] == "sleep":
                time.sleep(float(action[1]))
                return
            status, headers = action
            self.send_response(int(status))
            for k, v in headers.items():  # type: ignore[union-attr]
                self.send_header(k, v)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)


@contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[int]:
    """A minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, QUIT)."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 localhost test SMTP\r\n")
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    self.wfile.write(b"250 localhost\r\n")
                elif verb == b"RCPT":
                    address = line.decode().split(":", 1)[1].strip().strip("<>")
                    if address in mailbox.refuse:
                        self.wfile.write(b"550 no such user\r\n")
                    else:
                        self.wfile.write(b"250 ok\r\n")
                elif verb == b"DATA":
                    self.wfile.write(b"354 go ahead\r\n")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk
                    mailbox.messages.append(data)
                    self.wfile.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
