"""A socket's standing: is its session still the signed-in user's, and what may they see.

Read in the loop's batched reader (``genstatus.live.reader``), never on the event loop.
A socket opened with a session (``AuthMiddlewareStack``) stays tied to it, by Django's
own rules (``django.contrib.auth.get_user``): the session must still exist and not be
expired, name the same user through an installed backend, and carry the user's current
session auth hash (a password change invalidates it; ``SECRET_KEY_FALLBACKS`` are
accepted). A socket without a session (a host's token middleware, tests) is checked by
reading the user again.
"""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.utils.crypto import constant_time_compare

from genstatus.live.reader import CACHE
from genstatus.models import Visibility, visibility

Standing = tuple[Any, Visibility] | None


def session_key_of(scope: dict[str, Any]) -> str | None:
    """The socket's session key (no database read), or None without a session."""
    session = scope.get("session")
    if session is None:
        return None
    try:
        key = session.session_key
    except Exception:  # a lazy session never resolved
        return None
    return str(key) if key else None


def read_standing(user_pk: Any, session_key: str | None) -> Standing:
    """``(user, Visibility)`` as the database has it now, or None: the session ended
    (logout, expiry, password change) or the user is gone or inactive."""
    if session_key is None:
        model = get_user_model()
        user = model._default_manager.filter(pk=user_pk).first()
    else:
        user = _session_user(user_pk, session_key)
    if user is None:
        return None
    seen = visibility(user)
    return None if seen.nobody else (user, seen)


def _session_user(user_pk: Any, session_key: str) -> Any:
    engine = import_module(settings.SESSION_ENGINE)
    data = engine.SessionStore(session_key).load()  # {} once gone or expired
    uid = data.get(SESSION_KEY)
    backend_path = data.get(BACKEND_SESSION_KEY)
    if uid is None or str(uid) != str(user_pk):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend_path).get_user(uid)
    if user is None:
        return None
    if hasattr(user, "get_session_auth_hash") and not _hash_holds(user, data.get(HASH_SESSION_KEY)):
        return None
    return user


def _hash_holds(user: Any, session_hash: Any) -> bool:
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    fallback_hash = getattr(user, "_get_session_auth_hash", None)
    if fallback_hash is None:
        return False
    return any(
        constant_time_compare(session_hash, fallback_hash(secret=secret))
        for secret in settings.SECRET_KEY_FALLBACKS
    )


VISIBILITY_TTL = 5.0  # seconds a user's visibility decision serves new sockets


def visibility_once(user: Any, memo: dict[Any, Any]) -> Visibility:
    """``visibility(user)`` for a new socket: decided at most once per user every
    ``VISIBILITY_TTL`` seconds in a reader (the tabs of one user arriving together share
    one permission check; the standing re-reads correct it, see ``remember``)."""
    cache = memo[CACHE]
    key = ("visibility", user.pk)
    now = time.monotonic()
    cached = cache.get(key)
    if cached is not None and now - cached[0] < VISIBILITY_TTL:
        seen: Visibility = cached[1]
        return seen
    seen = visibility(user)
    remember(user.pk, seen, memo, now)
    return seen


def remember(pk: Any, seen: Visibility, memo: dict[Any, Any], now: float | None = None) -> None:
    """Note a freshly read visibility for the next new sockets of ``pk``."""
    cache = memo[CACHE]
    if len(cache) > 10_000:
        cache.clear()
    cache[("visibility", pk)] = (time.monotonic() if now is None else now, seen)
