"""A real HTTP server on 127.0.0.1 that plays a firm's CRM: it records every request and
answers with the statuses it is told, then 200."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200

    def url(self, path: str = "/hooks/cloudroute") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", "0"))
            receiver.requests.append(
                Received(
                    self.path, {k: v for k, v in self.headers.items()}, self.rfile.read(length)
                )
            )
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver broke")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
