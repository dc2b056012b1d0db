"""System checks for the settings a host can get wrong. Ids are stable: genstatus.E0xx/W0xx.

E006 bad providers setting, E007 provider class not importable or not a Provider
subclass, E009 a provider implements run() but no Tasks framework is installed; for such
providers E401 GENSTATUS_TASK_BACKEND not in TASKS, W401 a backend that never runs tasks,
I401 a backend that cannot cancel a queued task (genstatus.engines).
While live updates are on (GENSTATUS_LIVE): W001 no channel layer, E010 ``channels`` not
in INSTALLED_APPS, W002 ASGI_APPLICATION unset or not importable.
"""

from __future__ import annotations

from datetime import timedelta
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

from genstatus.conf import DEFAULTS


@register(Tags.models)
def check_asset_model(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    label = getattr(settings, "GENSTATUS_ASSET_MODEL", None)
    if not label:
        return [
            Error(
                "GENSTATUS_ASSET_MODEL is not set.",
                hint='Point it at your asset model, e.g. GENSTATUS_ASSET_MODEL = "gallery.Asset", '
                "then run migrate.",
                id="genstatus.E001",
            )
        ]
    if not isinstance(label, str) or label.count(".") != 1:
        return [
            Error(
                f"GENSTATUS_ASSET_MODEL = {label!r} is not of the form 'app_label.ModelName'.",
                hint='Use the same form as AUTH_USER_MODEL, e.g. "gallery.Asset".',
                id="genstatus.E002",
            )
        ]
    try:
        apps.get_model(label, require_ready=False)
    except LookupError:
        return [
            Error(
                f"GENSTATUS_ASSET_MODEL refers to model {label!r}, which is not installed.",
                hint="Check the spelling and that its app is in INSTALLED_APPS.",
                id="genstatus.E003",
            )
        ]
    return []


@register(Tags.database)
def check_asset_app_migrations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """genstatus's migrations point at the asset model's table: its app needs migrations
    of its own, or ``migrate`` stops with a raw traceback. A database check: ``migrate``
    (and ``check --database default``) runs it first, ``makemigrations`` does not."""
    from django.db.migrations.loader import MigrationLoader

    if not kwargs.get("databases"):  # as Django's database checks: only when asked
        return []
    try:
        app_label = apps.get_model(settings.GENSTATUS_ASSET_MODEL)._meta.app_label
    except (AttributeError, LookupError, ValueError):  # E001-E003 say what is wrong
        return []

    loader = MigrationLoader(None, ignore_no_migrations=True, load=False)
    module, _explicit = loader.migrations_module(app_label)
    if module is None:  # MIGRATION_MODULES = {app: None}: tables made by --run-syncdb
        return []
    try:
        from importlib import import_module

        import_module(module)
    except ImportError:
        return [
            Error(
                f"The app of GENSTATUS_ASSET_MODEL ({app_label!r}) has no migrations; "
                "genstatus's migrations refer to its table.",
                hint=f"Run `python manage.py makemigrations {app_label}`, then migrate.",
                id="genstatus.E011",
            )
        ]
    return []


@register()
def check_channel_layer(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not _live_on():
        return []
    layers = getattr(settings, "CHANNEL_LAYERS", None) or {}
    if "default" not in layers:
        return [
            Warning(
                "No default channel layer is configured: badges and the panel will not update "
                "live.",
                hint='Add CHANNEL_LAYERS = {"default": {"BACKEND": '
                '"channels.layers.InMemoryChannelLayer"}} for one process, or '
                "channels_redis for several; or set GENSTATUS_LIVE = False.",
                id="genstatus.W001",
            )
        ]
    return []


def _live_on() -> bool:
    return bool(getattr(settings, "GENSTATUS_LIVE", DEFAULTS["LIVE"]))


@register()
def check_channels_installed(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not _live_on() or apps.is_installed("channels"):
        return []
    return [
        Error(
            "GENSTATUS_LIVE is on but 'channels' is not in INSTALLED_APPS: no WebSocket "
            "reaches genstatus's consumer, badges and the panel will not update live.",
            hint='Add "channels" (and "daphne" first, for runserver) to INSTALLED_APPS and '
            "serve the project through ASGI; or set GENSTATUS_LIVE = False.",
            id="genstatus.E010",
        )
    ]


@register()
def check_asgi_application(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not _live_on():
        return []
    path = getattr(settings, "ASGI_APPLICATION", None)
    hint = (
        'Set ASGI_APPLICATION = "yourproject.asgi.application", a ProtocolTypeRouter routing '
        '"websocket" to genstatus.routing.websocket_urlpatterns (see the README); or set '
        "GENSTATUS_LIVE = False."
    )
    if not path:
        return [
            Warning(
                "ASGI_APPLICATION is not set: live updates need the ASGI application that "
                "serves genstatus's WebSocket.",
                hint=hint,
                id="genstatus.W002",
            )
        ]
    try:
        import_string(path)
    except Exception as exc:  # any failure of the host's module is reported
        return [
            Warning(
                f"ASGI_APPLICATION = {path!r} cannot be imported: {type(exc).__name__}: {exc}",
                hint=hint,
                id="genstatus.W002",
            )
        ]
    return []


def _check_number(name: str, minimum: float) -> list[CheckMessage]:
    value = getattr(settings, f"GENSTATUS_{name}", DEFAULTS[name])
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < minimum:
        return [
            Error(
                f"GENSTATUS_{name} = {value!r} is not valid.",
                hint=f"Use a number ≥ {minimum} (seconds for durations) or a timedelta.",
                id="genstatus.E004",
            )
        ]
    return []


@register()
def check_numbers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name, minimum in (
        ("MAX_RETRIES", 0),
        ("STALE_AFTER", 1),
        ("CANCEL_GRACE", 0),
        ("LIVE_COALESCE", 0),
        ("LIVE_USER_RECHECK", 1),
        ("API_MAX_BATCH", 1),
    ):
        errors += _check_number(name, minimum)
    if (
        getattr(settings, "GENSTATUS_QUEUED_STALE_AFTER", DEFAULTS["QUEUED_STALE_AFTER"])
        is not None
    ):
        errors += _check_number("QUEUED_STALE_AFTER", 1)
    return errors


@register()
def check_operation_types(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    value = getattr(settings, "GENSTATUS_OPERATION_TYPES", [])
    ok = isinstance(value, list | tuple) and all(
        isinstance(item, list | tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and 0 < len(item[0]) <= 50
        for item in value
    )
    if not ok:
        return [
            Error(
                f"GENSTATUS_OPERATION_TYPES = {value!r} is not a list of (value, label) pairs.",
                hint='e.g. [("upscale", "Upscale")]; values are at most 50 characters.',
                id="genstatus.E005",
            )
        ]
    return []


@register()
def check_providers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    value = getattr(settings, "GENSTATUS_PROVIDERS", {})
    if not isinstance(value, dict):
        return [
            Error(
                "GENSTATUS_PROVIDERS must be a dict of provider name to provider class path "
                "(or None).",
                hint='e.g. {"pixverse": "myapp.providers.Pixverse"}.',
                id="genstatus.E006",
            )
        ]
    errors: list[CheckMessage] = []
    for name, path in value.items():
        if not isinstance(name, str) or not name or len(name) > 100:
            errors.append(
                Error(
                    f"Provider name {name!r} is not a string of 1-100 characters.",
                    hint="Use the name stored in Generation.provider.",
                    id="genstatus.E006",
                )
            )
            continue
        if path is None:  # a provider the host runs itself: a name for filters only
            continue
        try:
            cls = import_string(path)
        except ImportError as exc:
            errors.append(
                Error(
                    f"GENSTATUS_PROVIDERS[{name!r}] = {path!r} cannot be imported: {exc}",
                    hint="Give the dotted path of a genstatus.providers.Provider subclass.",
                    id="genstatus.E007",
                )
            )
            continue
        errors += _check_provider_class(name, path, cls)
    return errors


def _check_provider_class(name: str, path: str, cls: Any) -> list[CheckMessage]:
    from genstatus.providers import Provider

    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        return [
            Error(
                f"GENSTATUS_PROVIDERS[{name!r}] = {path!r} is not a "
                "genstatus.providers.Provider subclass.",
                hint="Subclass Provider and override submit() (+ cancel()) or run().",
                id="genstatus.E007",
            )
        ]
    if cls.run is not Provider.run and not _tasks_available():
        return [
            Error(
                f"Provider {name!r} ({path}) implements run(), but Django's Tasks framework is "
                "not available.",
                hint="Use Django 6, or on Django 5.2 pip install 'django-genstatus[tasks]' "
                "(the django-tasks backport).",
                id="genstatus.E009",
            )
        ]
    return []


def _tasks_available() -> bool:
    return bool(find_spec("django.tasks") or find_spec("django_tasks"))


@register()
def check_prune_ages(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name in ("PRUNE_COMPLETED", "PRUNE_FAILED"):
        if getattr(settings, f"GENSTATUS_{name}", DEFAULTS[name]) is not None:
            errors += _check_number(name, 0)
    return errors


@register()
def check_open_asset_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    path = getattr(settings, "GENSTATUS_OPEN_ASSET_URL", None)
    if path is None:
        return []
    try:
        func = import_string(path)
    except ImportError as exc:
        return [
            Error(
                f"GENSTATUS_OPEN_ASSET_URL = {path!r} cannot be imported: {exc}",
                hint="The dotted path of f(asset) or f(asset, request) -> URL or None.",
                id="genstatus.E008",
            )
        ]
    if not callable(func):
        return [
            Error(
                f"GENSTATUS_OPEN_ASSET_URL = {path!r} is not callable.",
                hint="It must be a function f(asset) or f(asset, request) -> str | None.",
                id="genstatus.E008",
            )
        ]
    return []


def _provider_runs_jobs() -> bool:
    """True when a configured provider class implements run() (genstatus enqueues it)."""
    from genstatus.providers import Provider

    value = getattr(settings, "GENSTATUS_PROVIDERS", {})
    for path in value.values() if isinstance(value, dict) else ():
        try:
            cls = import_string(path) if isinstance(path, str) else None
        except ImportError:
            continue  # E007
        if isinstance(cls, type) and issubclass(cls, Provider) and cls.run is not Provider.run:
            return True
    return False


@register()
def check_task_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E401 GENSTATUS_TASK_BACKEND not in TASKS, W401 a backend that never runs tasks,
    I401 a backend that cannot cancel a queued task (see genstatus.engines)."""
    if not _tasks_available():
        return []  # E009
    from genstatus import engines

    return engines.check_task_backend(_provider_runs_jobs())
