"""WebSocket routes for the host's ASGI router.

```python
# asgi.py
django_asgi_app = get_asgi_application()
from genstatus.routing import websocket_urlpatterns

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    ),
})
```
"""

from __future__ import annotations

from typing import Any

from django.urls import path

from genstatus.consumers import GenerationStatusConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/genstatus/", GenerationStatusConsumer.as_asgi(), name="genstatus-live"),
]
