"""A separate OS process that changes generations, like a job worker on another machine.

Usage: python -m tests.live.worker_change <generation id> <status> [more id/status pairs]
It exits right after the change: genstatus.live flushes pending updates at exit.
"""

import sys

import django

django.setup()

from genstatus import lifecycle  # noqa: E402
from genstatus.models import Generation  # noqa: E402

args = sys.argv[1:]
for pk, status in zip(args[::2], args[1::2], strict=True):
    generation = Generation.objects.get(pk=int(pk))
    if status == "failed":
        lifecycle.mark_failed(generation, "Failed in the worker process", code="worker")
    else:
        lifecycle.transition(generation, status)
