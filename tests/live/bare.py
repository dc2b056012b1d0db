"""A bare Channels consumer, the yardstick of bench/bench_connect.py: it answers a
``subscribe`` with an empty snapshot and reads nothing itself (the session and the user
are read by the same ``AuthMiddlewareStack`` as genstatus's consumer)."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class BareConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels ships no type hints
    async def connect(self) -> None:
        await self.accept()
        await self.send_json({"type": "hello", "protocol": 1})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "subscribe":
            assets = dict.fromkeys(str(a) for a in content.get("assets", []))
            await self.send_json(
                {"type": "snapshot", "ref": content.get("ref"), "assets": assets, "panel": []}
            )
