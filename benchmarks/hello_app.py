"""A bare Litestar hello-world: the ceiling our own endpoints are compared with (`make bench`)."""

from __future__ import annotations

from litestar import Litestar, get


@get("/")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar([hello])
