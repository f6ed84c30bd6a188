"""Name resolution behind one seam: what a host name resolves to, asked once per use."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Sequence

from anyio import to_thread

# A host name and port to the addresses they resolve to; none when the name does not resolve.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """The system's answer (getaddrinfo, off the event loop), in its order of preference."""
    try:
        infos = await to_thread.run_sync(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
