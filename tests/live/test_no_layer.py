"""Without a channel layer the consumer says so once and closes: no traceback per socket,
and the page never shows a Live that nothing feeds (issues 15 and 16)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from genstatus import consumers
from genstatus.consumers import CLOSE_NO_LAYER
from tests.live.conftest import make_communicator

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_layer() -> Iterator[None]:
    from channels.layers import channel_layers

    consumers.log_no_layer.cache_clear()
    with override_settings(CHANNEL_LAYERS={}):
        channel_layers.backends = {}
        yield
    channel_layers.backends = {}
    consumers.log_no_layer.cache_clear()


async def closed_with(user: Any) -> Any:
    communicator = make_communicator(user)
    connected, _ = await communicator.connect()
    assert connected  # accepted, so that a browser can read the close code
    output = await communicator.receive_output()
    await communicator.wait()
    return output


async def test_without_a_layer_sockets_close_with_4503_and_one_log_line(
    no_layer: None, user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="genstatus")
    for _ in range(3):
        assert await closed_with(user) == {"type": "websocket.close", "code": CLOSE_NO_LAYER}
    records = [r for r in caplog.records if r.name.startswith("genstatus")]
    assert len(records) == 1, [r.getMessage() for r in records]
    [record] = records
    assert record.exc_info is None  # one clear line, no traceback
    assert "no channel layer is configured" in record.getMessage()
    assert "4503" in record.getMessage()
