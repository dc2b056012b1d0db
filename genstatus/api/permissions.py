"""Who may do what: the panel's rules.

Reading needs a signed-in user and shows only ``Generation.objects.visible_to(user)``
(another user's generation is a 404, never a 403 that would reveal it exists). Retry and
cancel also need ``genstatus.change_generation``; that check runs before the lookup, so
its 403 does not reveal whether the id exists either.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

CHANGE_PERMISSION = "genstatus.change_generation"


class CanChangeGenerations(BasePermission):
    message = "Retrying or cancelling generations needs the genstatus.change_generation permission."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm(CHANGE_PERMISSION))
