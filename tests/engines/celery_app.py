"""The Celery application of the engine tests: ``celery -A tests.engines.celery_app worker``."""

import os

import django
from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.engines.settings")
django.setup()

app = Celery("genstatus_engines")
app.config_from_object("django.conf:settings", namespace="CELERY")

# django-tasks-celery registers a Django Task with Celery when the task is bound to its
# backend; a worker binds nothing by itself: genstatus binds its tasks here
from genstatus.tasks import register_tasks  # noqa: E402

register_tasks(backend="celery", queue=settings.ENGINE_QUEUE)
