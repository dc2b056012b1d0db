"""The example project's ASGI application, plus static files (daphne alone serves none),
and a bare consumer at ``ws/bare/`` behind the same middleware (bench/bench_connect.py).

``GENSTATUS_LIVE_ADMISSION`` (a number) wraps genstatus's route in
``LiveAdmissionMiddleware`` with that limit (0, the default: the consumer's own count)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.live.server_settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.urls import path  # noqa: E402

from genstatus.routing import websocket_urlpatterns  # noqa: E402
from tests.live.bare import BareConsumer  # noqa: E402


def stack(app):  # type: ignore[no-untyped-def]
    return AllowedHostsOriginValidator(AuthMiddlewareStack(app))


# the route of genstatus.routing (one path), wrapped on its own so that the bare route can
# sit beside it behind the same middleware
(genstatus_route,) = websocket_urlpatterns
genstatus_socket = stack(genstatus_route.callback)
admission = int(os.environ.get("GENSTATUS_LIVE_ADMISSION", "0"))
if admission:
    from genstatus.live.limits import LiveAdmissionMiddleware

    genstatus_socket = LiveAdmissionMiddleware(genstatus_socket, limit=admission)

application = ProtocolTypeRouter(
    {
        "http": ASGIStaticFilesHandler(django_asgi_app),
        "websocket": URLRouter(
            [
                path("ws/bare/", stack(BareConsumer.as_asgi())),
                path("ws/genstatus/", genstatus_socket),
            ]
        ),
    }
)
