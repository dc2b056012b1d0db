"""The authorization matrix: every surface x every kind of user, from one table.

Surfaces: the admin changelist and its retry/cancel actions, the Generations panel (page,
row detail, row actions, bulk actions with their confirmation, CSRF), every API endpoint
(list, detail, retry, cancel, statuses, schema) and the WebSocket (connect, subscribe,
updates received).

Data: ``owner`` (not staff, with ``view_generation`` + ``change_generation``) owns the
*target* generations — a failed one (retryable) and a pending one (cancellable) — whose
prompts and error contain ``SECRET``. Every other role owns one failed generation of its
own ("MINE-<role>"). Each case asserts the exact answer (status code, redirect to the admin
login, close code), that ``SECRET`` never appears where the target is not visible, and,
for actions, the database afterwards (changed only where allowed).

The expected outcome of each cell is written out in ``MATRIX`` (not computed from the
code under test); ``AUTHZ_CASES`` is the number of cases (reported at the end of the run
by tests/reliability/conftest.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser, Permission
from django.test import Client

from gallery.models import Asset
from genstatus import lifecycle
from genstatus.consumers import CLOSE_UNAUTHENTICATED
from genstatus.models import Generation
from tests.live.conftest import make_communicator, next_of

SECRET = "SECRET-owner-prompt"
SECRET_ERROR = "SECRET-owner-error"
ADMIN = "/admin/genstatus/generation/"
PANEL = ADMIN + "panel/"
PANEL_ACTION = ADMIN + "panel/action/"
API = "/api/genstatus/"


@dataclass(frozen=True)
class Role:
    username: str | None  # None: anonymous
    staff: bool = False
    superuser: bool = False
    active: bool = True
    perms: tuple[str, ...] = ()


ROLES: dict[str, Role] = {
    "anonymous": Role(None),
    "nonstaff": Role("nonstaff"),
    "owner": Role("owner", perms=("view_generation", "change_generation")),
    "other": Role("other", perms=("view_generation", "change_generation")),
    "inactive": Role("inactive", staff=True, superuser=True, active=False),
    "staff": Role("staff", staff=True),
    "staff_view": Role("staff_view", staff=True, perms=("view_generation",)),
    "staff_change": Role("staff_change", staff=True, perms=("change_generation",)),
    "staff_viewall": Role(
        "staff_viewall", staff=True, perms=("view_generation", "view_all_generations")
    ),
    "staff_all": Role(
        "staff_all",
        staff=True,
        perms=("view_generation", "change_generation", "view_all_generations"),
    ),
    "superuser": Role("superuser", staff=True, superuser=True),
}
ROLE_NAMES = tuple(ROLES)
# Who may see the owner's generations at all (their own, or view_all / superuser): on
# every surface, for everyone else, the owner's prompt and error never reach the response.
SEES_TARGET = {"owner", "staff_viewall", "staff_all", "superuser"}

# Outcomes:
#   "login"    302 to /admin/login/?next=..., nothing done
#   403 / 404  that status, nothing done, no SECRET in the body
#   "own"      200, the role's own rows only (no SECRET)
#   "all"      200, the target is visible (SECRET shown)
#   "gone"     302 to the admin index, "… doesn't exist" (as for an id that does not exist)
#   "none"     200 and empty / nothing happened (changelist POST without the action)
#   "notfound" 302 back, message "not found", nothing done (panel action on an invisible id)
#   "confirm0" 200 confirmation page listing nothing (ids the user may not see)
#   "confirm"  200 confirmation page listing the target
#   "done"     the action ran: the database changed
#   "redirect" 302 to the first asset page the user may open ("open asset")
#   "closed"   WebSocket accepted then closed with 4401, no data frame
#   "hidden"   WebSocket: the target is null / never sent
#   "seen"     WebSocket: the target is sent
# Columns follow ROLE_NAMES:
#   anonymous nonstaff owner other inactive staff staff_view staff_change staff_viewall
#   staff_all superuser
L = "login"
C, UP, H, S = "closed", "open", "hidden", "seen"
MATRIX: dict[str, tuple[Any, ...]] = {
    # admin changelist and its actions (retry_selected / cancel_selected)
    "admin.changelist": (L, L, L, L, L, 403, "own", "own", "all", "all", "all"),
    "admin.change_page": (L, L, L, L, L, 403, "gone", "gone", "all", "all", "all"),
    "admin.action_retry": (L, L, L, L, L, 403, "none", "confirm0", "none", "confirm", "confirm"),
    "admin.action_cancel": (L, L, L, L, L, 403, "none", "confirm0", "none", "confirm", "confirm"),
    # the Generations panel
    "panel.page": (L, L, L, L, L, 403, "own", "own", "all", "all", "all"),
    "panel.detail": (L, L, L, L, L, 403, 404, 404, "all", "all", "all"),
    "panel.open_asset": (L, L, L, L, L, 403, 404, 404, "redirect", "redirect", "redirect"),
    "panel.row_retry": (L, L, L, L, L, 403, 403, "notfound", 403, "done", "done"),
    "panel.row_cancel": (L, L, L, L, L, 403, 403, "notfound", 403, "done", "done"),
    "panel.row_retry_own": (L, L, L, L, L, 403, 403, "done", 403, "done", "done"),
    "panel.bulk_confirm": (L, L, L, L, L, 403, 403, "confirm0", 403, "confirm", "confirm"),
    "panel.bulk_retry": (L, L, L, L, L, 403, 403, "notfound", 403, "done", "done"),
    "panel.bulk_cancel": (L, L, L, L, L, 403, 403, "notfound", 403, "done", "done"),
    "panel.no_csrf": (403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # the API (session authentication first: anonymous is 403, see docs/api.md)
    "api.list": (403, "own", "all", "own", 403, "own", "own", "own", "all", "all", "all"),
    "api.detail": (403, 404, "all", 404, 403, 404, 404, 404, "all", "all", "all"),
    "api.retry": (403, 403, "done", 404, 403, 403, 403, 404, 403, "done", "done"),
    "api.cancel": (403, 403, "done", 404, 403, 403, 403, 404, 403, "done", "done"),
    "api.statuses": (403, "own", "all", "own", 403, "own", "own", "own", "all", "all", "all"),
    "api.schema": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "api.no_csrf": (403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # the WebSocket
    "ws.connect": (C, UP, UP, UP, C, UP, UP, UP, UP, UP, UP),
    "ws.subscribe": (C, H, S, H, C, H, H, H, S, S, S),
    "ws.updates": (C, H, S, H, C, H, H, H, S, S, S),
}
for _surface, _row in MATRIX.items():
    assert len(_row) == len(ROLE_NAMES), _surface

HTTP_CASES = [
    (surface, role, expected)
    for surface, row in MATRIX.items()
    if not surface.startswith("ws.")
    for role, expected in zip(ROLE_NAMES, row, strict=True)
]
WS_CASES = [
    (surface, role, expected)
    for surface, row in MATRIX.items()
    if surface.startswith("ws.")
    for role, expected in zip(ROLE_NAMES, row, strict=True)
]
AUTHZ_CASES = len(HTTP_CASES) + len(WS_CASES)


# -- the world ---------------------------------------------------------------------------


@dataclass
class World:
    owner: Any
    failed: Generation  # the target: retryable
    pending: Generation  # the target: cancellable
    actor: Any  # the role's user (None for anonymous)
    mine: Generation | None  # the role's own failed generation


def make_user(django_user_model: Any, role: Role) -> Any:
    user = django_user_model.objects.create_user(
        role.username,
        password="pw",
        is_staff=role.staff,
        is_superuser=role.superuser,
        is_active=role.active,
    )
    if role.perms:
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="genstatus", codename__in=role.perms)
        )
    return user


def build_world(django_user_model: Any, role_name: str) -> World:
    owner = make_user(django_user_model, ROLES["owner"])
    failed_asset = Asset.objects.create(owner=owner, title="target-failed")
    pending_asset = Asset.objects.create(owner=owner, title="target-pending")
    failed = lifecycle.create_generation(
        provider="pixverse",
        operation_type="text_to_image",
        prompt=f"{SECRET} failed",
        asset=failed_asset,
        owner=owner,
    )
    lifecycle.mark_failed(failed, SECRET_ERROR, code="quota")
    pending = lifecycle.create_generation(
        provider="sora",
        operation_type="text_to_video",
        prompt=f"{SECRET} pending",
        asset=pending_asset,
        owner=owner,
    )
    role = ROLES[role_name]
    if role.username is None:
        actor, mine = None, None
    elif role_name == "owner":
        actor, mine = owner, failed
    else:
        actor = make_user(django_user_model, role)
        own_asset = Asset.objects.create(owner=actor, title=f"mine-{role_name}")
        mine = lifecycle.create_generation(
            provider="runway",
            operation_type="text_to_image",
            prompt=f"MINE-{role_name}",
            asset=own_asset,
            owner=actor,
        )
        lifecycle.mark_failed(mine, f"MINE-error-{role_name}")
    return World(owner, refreshed(failed), refreshed(pending), actor, mine)


def refreshed(generation: Generation) -> Generation:
    return Generation.objects.get(pk=generation.pk)


def snapshot_db() -> list[tuple[Any, ...]]:
    """Every generation's state: compared before/after a denied action."""
    return list(
        Generation.objects.order_by("pk").values_list(
            "pk", "status", "version", "cancel_requested_at", "retry_of_id"
        )
    )


def client_for(world: World, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if world.actor is not None:
        client.force_login(world.actor)  # an inactive user's session is anonymous
    return client


def body_of(response: Any) -> str:
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_login_redirect(response: Any, path: str) -> None:
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/admin/login/?next="), response["Location"]
    assert path in response["Location"]


# -- HTTP --------------------------------------------------------------------------------


def request_for(surface: str, world: World) -> tuple[str, str, dict[str, Any]]:
    """(method, path, data) of one surface."""
    failed, pending = world.failed, world.pending
    if surface == "admin.changelist":
        return "get", ADMIN, {}
    if surface == "admin.change_page":
        return "get", f"{ADMIN}{failed.pk}/change/", {}
    if surface in ("admin.action_retry", "admin.action_cancel"):
        action = "retry_selected" if surface.endswith("retry") else "cancel_selected"
        target = failed if action == "retry_selected" else pending
        return "post", ADMIN, {"action": action, "_selected_action": [target.pk], "index": "0"}
    if surface == "panel.page":
        return "get", PANEL, {}
    if surface == "panel.detail":
        return "get", f"{ADMIN}{failed.pk}/panel-detail/", {"fragment": "1"}
    if surface == "panel.open_asset":
        return "get", f"{ADMIN}{failed.pk}/open-asset/", {}
    if surface == "panel.row_retry":
        return "post", PANEL_ACTION, {"row_action": f"retry:{failed.pk}"}
    if surface == "panel.row_cancel":
        return "post", PANEL_ACTION, {"row_action": f"cancel:{pending.pk}"}
    if surface == "panel.row_retry_own":
        target = world.mine or failed
        return "post", PANEL_ACTION, {"row_action": f"retry:{target.pk}"}
    if surface == "panel.bulk_confirm":
        return "post", PANEL_ACTION, {"action": "retry", "ids": [failed.pk]}
    if surface == "panel.bulk_retry":
        return "post", PANEL_ACTION, {"action": "retry", "ids": [failed.pk], "confirmed": "1"}
    if surface == "panel.bulk_cancel":
        return "post", PANEL_ACTION, {"action": "cancel", "ids": [pending.pk], "confirmed": "1"}
    if surface == "panel.no_csrf":
        return "post", PANEL_ACTION, {"row_action": f"cancel:{pending.pk}"}
    if surface == "api.list":
        return "get", f"{API}generations/", {}
    if surface == "api.detail":
        return "get", f"{API}generations/{failed.pk}/", {}
    if surface == "api.retry":
        return "post", f"{API}generations/{failed.pk}/retry/", {}
    if surface in ("api.cancel", "api.no_csrf"):
        return "post", f"{API}generations/{pending.pk}/cancel/", {}
    if surface == "api.statuses":
        ids = [failed.asset_id, pending.asset_id]
        if world.mine is not None:
            ids.append(world.mine.asset_id)
        return "get", f"{API}statuses/", {"asset": ",".join(str(i) for i in ids)}
    if surface == "api.schema":
        return "get", f"{API}schema/", {"format": "json"}
    raise AssertionError(surface)


def target_of(surface: str, world: World) -> Generation:
    if surface == "panel.row_retry_own":
        return world.mine or world.failed
    if "cancel" in surface or surface.endswith("no_csrf"):
        return world.pending
    return world.failed


def assert_changed(surface: str, world: World) -> None:
    """The action ran: a retry made a new attempt, a cancel cancelled the pending one."""
    target = refreshed(target_of(surface, world))
    if "retry" in surface:
        attempt = Generation.objects.get(retry_of=target)
        assert attempt.status == "pending"
        assert target.status == "failed"  # the original stays as it was
    else:
        assert target.status == "cancelled"


@pytest.mark.django_db
@pytest.mark.parametrize(("surface", "role", "expected"), HTTP_CASES)
def test_http_matrix(surface: str, role: str, expected: Any, django_user_model: Any) -> None:
    world = build_world(django_user_model, role)
    csrf = surface.endswith("no_csrf")
    client = client_for(world, csrf=csrf)
    if csrf and world.actor is not None:
        client.get(PANEL)  # a CSRF cookie exists; the POST just does not carry the token
    method, path, data = request_for(surface, world)
    before = snapshot_db()
    response = getattr(client, method)(path, data)
    body = body_of(response) if response.status_code != 302 else ""
    changed = snapshot_db() != before

    if expected == "done":
        assert response.status_code in (200, 201, 202, 302), (response.status_code, body[:300])
        assert changed
        assert_changed(surface, world)
        return

    # Everything else: no state change, and the target's text only where it is visible.
    assert not changed, f"{surface} as {role} changed the database"
    if role not in SEES_TARGET:
        assert SECRET not in body, f"{surface} as {role} leaked the owner's prompt"
        assert SECRET_ERROR not in body

    if expected == "login":
        assert_login_redirect(response, path)
    elif isinstance(expected, int):
        assert response.status_code == expected, (response.status_code, body[:300])
    elif expected in ("own", "all"):
        assert response.status_code == 200, (response.status_code, body[:300])
        if surface.startswith("api."):
            data_out = json.loads(body)
            if surface == "api.detail":
                assert data_out["prompt"] == f"{SECRET} failed"
                assert data_out["error_message"] == SECRET_ERROR
            elif surface == "api.list":
                prompts = {item["prompt"] for item in data_out["results"]}
                assert (f"{SECRET} failed" in prompts) is (expected == "all")
                if world.mine is not None and role != "owner":
                    assert f"MINE-{role}" in prompts
            else:  # statuses
                statuses = data_out["statuses"]
                assert (str(world.failed.asset_id) in statuses) is (expected == "all")
                assert (str(world.pending.asset_id) in statuses) is (expected == "all")
                if world.mine is not None:
                    assert str(world.mine.asset_id) in statuses
        else:
            assert (SECRET in body) is (expected == "all")
            if surface in ("admin.changelist", "panel.page") and role != "owner":
                assert f"MINE-{role}" in body
    elif expected == "redirect":
        assert response.status_code == 302, response.status_code
        # the first page the user may open: the asset's admin page with a permission
        # there, else its public page (genstatus.opening), never a 403
        asset = world.failed.asset
        user = response.wsgi_request.user
        if user.has_perm("gallery.view_asset") or user.has_perm("gallery.change_asset"):
            assert response["Location"] == f"/admin/gallery/asset/{asset.pk}/change/"
        else:
            assert response["Location"] == asset.get_absolute_url()
    elif expected == "gone":
        assert response.status_code == 302
        assert response["Location"] == "/admin/"
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any("doesn\u2019t exist" in m or "doesn't exist" in m for m in messages), messages
    elif expected == "none":
        # Django's changelist ignores an action the user does not have: the list again
        assert response.status_code == 200
        assert "Are you sure?" not in body
    elif expected == "notfound":
        assert response.status_code == 302
        assert response["Location"] == PANEL
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any("not found" in m for m in messages), messages
    elif expected in ("confirm", "confirm0"):
        assert response.status_code == 200
        assert "Are you sure?" in body
        assert (SECRET in body) is (expected == "confirm")
        # confirming from that page is the panel.bulk_* rows; nothing happened yet
    elif surface == "api.schema":
        assert response.status_code == 200
        assert "openapi" in json.loads(body)
    else:  # pragma: no cover - a typo in MATRIX
        raise AssertionError(expected)


# -- WebSocket ---------------------------------------------------------------------------


async def frames_until_quiet(communicator: Any, wait: float = 0.3) -> list[dict[str, Any]]:
    frames = []
    while not await communicator.receive_nothing(timeout=wait):
        output = await communicator.receive_output()
        if output["type"] == "websocket.send":
            frames.append(json.loads(output["text"]))
    return frames


@pytest.fixture
def _close_async_connections() -> Any:
    """The ORM calls of an async test run on sync_to_async's shared thread: close its
    connection afterwards, or PostgreSQL cannot drop the test database."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(10)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_close_async_connections")
@pytest.mark.parametrize(("surface", "role", "expected"), WS_CASES)
async def test_websocket_matrix(
    surface: str, role: str, expected: str, django_user_model: Any
) -> None:
    world = await sync_to_async(build_world)(django_user_model, role)
    if world.actor is None:
        scope_user: Any = AnonymousUser()
    else:
        scope_user = world.actor
    target_ids = [world.failed.asset_id, world.pending.asset_id]
    target_gens = [world.failed.pk, world.pending.pk]
    communicator = make_communicator(scope_user)
    connected, _ = await communicator.connect()
    assert connected  # accepted, so that a browser can read the close code
    if expected == "closed":
        assert await communicator.receive_output() == {
            "type": "websocket.close",
            "code": CLOSE_UNAUTHENTICATED,
        }
        # Frames sent anyway are ignored: no snapshot, no error, nothing about anyone.
        await communicator.send_json_to({"type": "subscribe", "assets": target_ids})
        assert await communicator.receive_nothing(timeout=0.1)
        await communicator.disconnect()
        return
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    assert SECRET not in json.dumps(hello)
    if surface == "ws.connect":
        assert expected == "open"
        await communicator.disconnect()
        return

    await communicator.send_json_to(
        {
            "type": "subscribe",
            "ref": "s",
            "assets": target_ids,
            "generations": target_gens,
            "panel": {"filters": {}, "since": 0},
        }
    )
    snapshot = await next_of(communicator, "snapshot")
    seen = expected == "seen"
    text = json.dumps(snapshot)
    assert (SECRET in text) is seen
    for key in (str(i) for i in target_ids):
        assert (snapshot["assets"][key] is not None) is seen
    for key in (str(i) for i in target_gens):
        assert (snapshot["generations"][key] is not None) is seen
    panel_ids = {item["generation_id"] for item in snapshot["panel"]}
    assert (world.failed.pk in panel_ids) is seen
    if world.mine is not None and role != "owner":
        assert world.mine.pk in panel_ids  # one's own rows are always there
    items = [*snapshot["assets"].values(), *snapshot["generations"].values(), *snapshot["panel"]]
    assert all("owner" not in item for item in items if item)  # the owner is never sent

    if surface == "ws.updates":
        # A control socket with view_all proves the update is published while we listen.
        superuser = await sync_to_async(django_user_model.objects.create_superuser)(
            "control", password="pw"
        )
        control = make_communicator(superuser)
        await control.connect()
        await control.receive_json_from()
        await control.send_json_to({"type": "subscribe", "generations": [world.pending.pk]})
        await next_of(control, "snapshot")

        await sync_to_async(lifecycle.mark_processing)(world.pending)
        await sync_to_async(lifecycle.mark_failed)(world.pending, SECRET_ERROR)
        control_frame = await next_of(control, "updates")
        assert world.pending.pk in {i["generation_id"] for i in control_frame["items"]}
        frames = []
        if seen:  # wait for the frame that must come (a loaded machine may be slow) ...
            frames.append(await next_of(communicator, "updates"))
        frames += await frames_until_quiet(communicator)  # ... then for anything more
        received = [i for f in frames if f["type"] == "updates" for i in f["items"]]
        got = {i["generation_id"] for i in received}
        assert (world.pending.pk in got) is seen, frames
        if not seen:
            assert SECRET_ERROR not in json.dumps(frames)
        await control.disconnect()
    await communicator.disconnect()
