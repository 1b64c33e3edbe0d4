"""Run the web app with uvicorn: `innermeaning serve` calls `run()`.

With --workers > 1 uvicorn binds the listening socket itself without naming the TCP protocol, and
asyncio then leaves Nagle's algorithm on for accepted connections: a response written as headers
and body waits ~40 ms for the client's delayed ACK. `NoDelayProtocol` switches it off per connection.
"""

from __future__ import annotations

import socket

try:  # the faster parser when it is installed (uvicorn[standard]), else the pure-Python one
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - depends on the environment
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base

APP = "innermeaning.web.app:create_app"


class NoDelayProtocol(_Base):
    """uvicorn's HTTP protocol with TCP_NODELAY set on every connection."""

    def connection_made(self, transport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        super().connection_made(transport)


def run(host: str = "127.0.0.1", port: int = 8000, *, workers: int = 1, access_log: bool = False) -> None:
    """Serve until interrupted. Several workers share the port (one per CPU core is a good start).

    The app is built in each worker from the config file and environment. Access logs are off by
    default: the address of every page carries the topic someone typed.
    """
    import uvicorn

    uvicorn.run(
        APP, factory=True, host=host, port=port, workers=workers, http=NoDelayProtocol,
        access_log=access_log, log_level="warning", server_header=False,
    )
