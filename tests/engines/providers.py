"""The engine tests' provider: ``params`` script what a run does; every run is counted in
Redis, so a test can tell a job that ran twice from one that ran once."""

from __future__ import annotations

import time
from typing import Any

import redis
from django.conf import settings

from genstatus.providers import Provider, ProviderError


def counter() -> Any:
    return redis.Redis.from_url(settings.REDIS_URL)


def runs_key(generation: Any) -> str:
    """The counter of ``generation``'s runs; ``params["test"]`` names the test (ids start
    again in every test; a retry's attempt copies the params)."""
    return f"{settings.ENGINE_QUEUE}:runs:{generation.params.get('test')}:{generation.pk}"


class EngineProvider(Provider):
    """``steps`` progress reports ``delay`` seconds apart; fails while ``retry_count`` is
    below ``fail_attempts``."""

    def run(self, generation: Any, report: Any) -> None:
        counter().incr(runs_key(generation))
        params = generation.params
        steps, delay = params.get("steps", 3), params.get("delay", 0.0)
        for step in range(1, steps + 1):
            time.sleep(delay)
            report(step * 100 // (steps + 1))
        if generation.retry_count < params.get("fail_attempts", 0):
            raise ProviderError("The render node ran out of memory.", code="node_oom")
        return None
