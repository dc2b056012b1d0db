"""A complete ASGI application for a project that has none of its own.

``mysite/asgi.py``, the whole file::

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

    from genstatus.asgi import application  # noqa: E402

It serves HTTP through Django (static files too while ``DEBUG`` is on, as ``runserver``
does, so a bare ``daphne mysite.asgi:application`` shows styled badges), and WebSockets
through genstatus's consumer at ``ws/genstatus/``, behind the session auth middleware, the
allowed-hosts origin check and, outermost, the live admission limit (a socket beyond
capacity is closed with 4429 and comes back later). A project with WebSocket routes of
its own builds one with :func:`build_application`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.asgi import get_asgi_application

# Django is set up before anything that imports models (the consumer does)
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.apps import apps  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from genstatus.live.limits import LiveAdmissionMiddleware  # noqa: E402
from genstatus.routing import websocket_urlpatterns  # noqa: E402


def http_application() -> Any:
    """Django's ASGI application, serving static files while ``DEBUG`` is on."""
    if settings.DEBUG and apps.is_installed("django.contrib.staticfiles"):
        return ASGIStaticFilesHandler(django_asgi_app)
    return django_asgi_app


def build_application(websocket_routes: Sequence[Any] = ()) -> ProtocolTypeRouter:
    """HTTP through Django; WebSockets to ``websocket_routes`` (your own ``path()``\\s)
    and to genstatus's ``ws/genstatus/``."""
    routes = [*websocket_routes, *websocket_urlpatterns]
    websocket: Any = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(routes)))
    if not websocket_routes:
        # beyond capacity a socket is told to come back (4429) before its session is read;
        # a host's own long-lived routes would hold admission tickets, so with them the
        # consumer counts its own handshakes instead (docs/live.md)
        websocket = LiveAdmissionMiddleware(websocket)
    return ProtocolTypeRouter({"http": http_application(), "websocket": websocket})


application = build_application()
