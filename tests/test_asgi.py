"""genstatus.asgi: the ready application routes HTTP, static files while DEBUG, and the
live socket behind the admission limit; a host's own routes come first."""

from __future__ import annotations

from typing import Any

from channels.routing import ProtocolTypeRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.urls import path

from genstatus import asgi
from genstatus.consumers import GenerationStatusConsumer
from genstatus.live.limits import LiveAdmissionMiddleware


def test_the_ready_application_admits_sockets_outermost() -> None:
    application = asgi.application
    assert isinstance(application, ProtocolTypeRouter)
    assert isinstance(application.application_mapping["websocket"], LiveAdmissionMiddleware)


def test_static_files_only_while_debug(settings: Any) -> None:
    settings.DEBUG = True
    assert isinstance(asgi.http_application(), ASGIStaticFilesHandler)
    settings.DEBUG = False
    assert asgi.http_application() is asgi.django_asgi_app


def test_a_hosts_routes_come_first_without_the_admission_wrapper() -> None:
    mine = path("ws/mine/", GenerationStatusConsumer.as_asgi())
    application = asgi.build_application(websocket_routes=[mine])
    websocket = application.application_mapping["websocket"]
    assert not isinstance(websocket, LiveAdmissionMiddleware)
    router = websocket.application.inner.inner.inner  # origin → cookies → session → auth
    routes = [str(route.pattern) for route in router.routes]
    assert routes == ["ws/mine/", "ws/genstatus/"]
