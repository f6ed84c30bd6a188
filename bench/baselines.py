"""The two ceilings bench/load.py measures Habitual against, served by uvicorn like Habitual.

- `bare`: a bare ASGI app answering every request with a small JSON object.
- `fastapi_app`: FastAPI answering `GET /item` with the same object through a response model.

    .venv/bin/uvicorn baselines:bare --app-dir bench --port 8001 --log-level warning
    .venv/bin/uvicorn baselines:fastapi_app --app-dir bench --port 8001 --log-level warning
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

ITEM = {"id": 1, "name": "Walk", "done": True, "streak": 12}
BODY = json.dumps(ITEM, separators=(",", ":")).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


async def bare(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


class Item(BaseModel):
    id: int
    name: str
    done: bool
    streak: int


fastapi_app = FastAPI()


@fastapi_app.get("/item", response_model=Item)
async def item() -> dict[str, Any]:
    return ITEM
