"""``manage.py rundemo [addr:port]``: the demo server (daphne's runserver) that fails fast
on a busy port and runs the active demo jobs to an end (``resume_demo_jobs``)."""

from __future__ import annotations

import threading
from typing import Any

from daphne.management.commands.runserver import Command as RunserverCommand
from django.core.management.base import CommandError
from django.db import connection

from gallery.ports import busy_message, port_in_use
from gallery.providers import resume_demo_jobs


class Command(RunserverCommand):  # type: ignore[misc]  # daphne ships no type hints
    help = (
        "Serve the demo (HTTP and WebSockets, daphne) and run the demo jobs left active in "
        "the database; fails at once when the port is taken."
    )

    def run(self, **options: Any) -> None:
        # runs once, before the autoreloader starts its child: a taken port stops here
        # with a message instead of a daphne printing "Listen failure" and staying up
        if port_in_use(self.addr, int(self.port)):
            raise CommandError(busy_message(self.addr, self.port))
        super().run(**options)

    def inner_run(self, *args: Any, **options: Any) -> None:
        # in the serving process (again after each autoreload: the old threads are gone)
        threading.Timer(1.0, self.resume).start()
        super().inner_run(*args, **options)

    def resume(self) -> None:
        try:
            resumed = resume_demo_jobs()
        finally:
            connection.close()
        if resumed:
            self.stdout.write(f"Running {len(resumed)} active demo job(s) to an end.")
