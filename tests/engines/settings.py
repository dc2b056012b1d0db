"""Settings of the engine tests (``tests/engines``): the suite's settings plus RQ and
Celery through their Django Tasks backends, on PostgreSQL and Redis.

    GENSTATUS_DB=postgres GENSTATUS_REDIS_URL=redis://127.0.0.1:6379/0 \\
        pytest --ds tests.engines.settings tests/engines

``.ci/tier-engines`` installs the engines and runs them. ``GENSTATUS_CELERY_BROKER``
(default RabbitMQ, ``amqp://guest:guest@127.0.0.1:5672//``) is Celery's broker. An engine
whose package is not installed is left out (the tests say so); django-tasks-celery needs
Django 6.
"""

import importlib.util
import os

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, SUFFIX, TASKS

ENGINE_TESTS = True
REDIS_URL = os.environ.get("GENSTATUS_REDIS_URL", "redis://127.0.0.1:6379/0")
ENGINE_QUEUE = f"genstatus-engines{SUFFIX}"  # one queue per run: parallel runs stay apart

GENSTATUS_PROVIDERS = {
    "engine": "tests.engines.providers.EngineProvider",
    "pixverse": None,
}

ENGINES = []
if importlib.util.find_spec("django_tasks_rq") is not None:
    ENGINES.append("rq")
    INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]
    RQ_QUEUES = {ENGINE_QUEUE: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {**TASKS, "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [ENGINE_QUEUE]}}

if importlib.util.find_spec("django_tasks_celery") is not None:
    ENGINES.append("celery")
    CELERY_BROKER_URL = os.environ.get(
        "GENSTATUS_CELERY_BROKER", "amqp://guest:guest@127.0.0.1:5672//"
    )
    # a worker killed mid-job leaves its message unacknowledged: the broker redelivers it
    # to the next worker, and genstatus must run the job once all the same
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    CELERY_TASK_DEFAULT_QUEUE = ENGINE_QUEUE
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
    TASKS = {
        **TASKS,
        "celery": {
            "BACKEND": "django_tasks_celery.CeleryBackend",
            "QUEUES": [ENGINE_QUEUE],
            "OPTIONS": {"CELERY_APP": "tests.engines.celery_app.app"},
        },
    }
