"""The README's install steps, run as written on a new ``django-admin startproject``.

The host is a project that exists before genstatus: an app ``gallery`` with an ``Asset``
model, no migrations yet, and a page of cards (``<div class="card" data-asset-id>``
around an ``<img>``) that genstatus may not touch. The steps are read from README.md
(the fenced block after each ``<!-- install:<kind> -->`` marker), not retyped here; the
test then serves the project, sees live badges on the cards in Debian chromium, the
panel, the API, and styled badges under a bare ``daphne``.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = re.compile(r"<!-- install:(\w+) -->\s*```\w*\n(.*?)```", re.S)
STEP = re.compile(r"^(\d+)\. ", re.M)

pytestmark = [pytest.mark.browser, pytest.mark.live]

# The host's own code, there before genstatus: what `startapp gallery` would grow into.
HOST_MODELS = """
from django.db import models


class Asset(models.Model):
    title = models.CharField(max_length=100)
    image = models.CharField(max_length=300)

    def __str__(self):
        return self.title
"""
HOST_VIEWS = """
from django.shortcuts import render

from gallery.models import Asset


def index(request):
    return render(request, "gallery/index.html", {"assets": Asset.objects.order_by("pk")})
"""
# no {% load genstatus %}, no block: a template genstatus may not touch
HOST_TEMPLATE = """<!doctype html>
<html><head><title>Gallery</title>
<style>.grid{display:grid;grid-template-columns:repeat(3,160px);gap:12px}
.card img{display:block;width:160px;height:120px}</style></head>
<body><h1>Gallery</h1><div class="grid">
{% for asset in assets %}<div class="card" data-asset-id="{{ asset.pk }}">
<img src="{{ asset.image }}" alt="{{ asset.title }}"><p>{{ asset.title }}</p></div>
{% endfor %}</div></body></html>
"""
PIXEL = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='160' height='120'%3E"
    "%3Crect width='160' height='120' fill='%23a9c'/%3E%3C/svg%3E"
)
SEED = f"""
from django.contrib.auth import get_user_model
from gallery.models import Asset
from genstatus import lifecycle

get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
assets = [Asset.objects.create(title=f"Asset {{n}}", image="{PIXEL}") for n in range(3)]
owner = get_user_model().objects.get(username="admin")
running = lifecycle.create_generation(
    owner=owner, asset=assets[0], provider="sora", operation_type="text_to_image"
)
lifecycle.mark_queued(running, provider_job_id="job-1")
lifecycle.mark_processing(running)
failed = lifecycle.create_generation(
    owner=owner, asset=assets[1], provider="sora", operation_type="text_to_image"
)
lifecycle.mark_failed(failed, "Quota exceeded", code="quota")
"""


def install_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Install into an existing project")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def install_steps() -> list[tuple[str, str]]:
    """``[(kind, block)]`` in README order."""
    return [(kind, textwrap.dedent(block)) for kind, block in MARKER.findall(install_section())]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout  # a ceiling for a hang, not a speed check
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.stdout and process.stdout.read()!r}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


def clean_env() -> dict[str, str]:
    """The environment of a host project: this repository's test settings and the example
    project (which has a ``gallery`` app of its own) are not on its path."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = root / "mysite"
        self.servers: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
        return result.stdout

    def serve(self, command: Any) -> int:
        """Start ``command(port)`` (an argv) and wait until it listens."""
        port = free_port()
        process = subprocess.Popen(
            command(port),
            cwd=self.root,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.servers.append(process)
        wait_for_port(port, process)
        return port

    def stop(self) -> None:
        for process in self.servers:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A new ``startproject mysite`` with the host's gallery app, before genstatus."""
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(tmp_path)],
        env=clean_env(),
        check=True,
    )
    host = Project(tmp_path)
    app = tmp_path / "gallery"
    (app / "templates" / "gallery").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(HOST_MODELS)
    (app / "views.py").write_text(HOST_VIEWS)
    (app / "templates" / "gallery" / "index.html").write_text(HOST_TEMPLATE)
    with (host.site / "settings.py").open("a") as settings:
        settings.write('\nINSTALLED_APPS += ["gallery"]\n')
    with (host.site / "urls.py").open("a") as urls:
        urls.write("\nfrom gallery import views  # noqa: E402\n\n")
        urls.write('urlpatterns += [path("gallery/", views.index)]\n')
    yield host
    host.stop()


def apply(host: Project, kind: str, block: str) -> list[list[str]]:
    """Apply one README step; returns the server commands it asks to run."""
    if kind == "settings":
        with (host.site / "settings.py").open("a") as settings:
            settings.write("\n" + block)
    elif kind == "urls":
        with (host.site / "urls.py").open("a") as urls:
            urls.write("\n" + block)
    elif kind == "asgi":
        (host.site / "asgi.py").write_text(block)
    elif kind == "shell":
        return run_shell(host, block)
    else:
        raise AssertionError(f"unknown install step kind {kind!r}")
    return []


def run_shell(host: Project, block: str) -> list[list[str]]:
    servers = []
    for line in block.splitlines():
        argv = shlex.split(line.split(" #", 1)[0])
        if not argv:
            continue
        if argv[:2] == ["pip", "install"]:  # this venv has it: the extras must exist
            requirement = argv[2]
            extras = re.findall(r"\[([\w,]+)\]", requirement)
            provided = metadata.metadata("django-genstatus").get_all("Provides-Extra") or []
            assert set(",".join(extras).split(",")) <= set(provided), (extras, provided)
            continue
        assert argv[0] == "python", line
        if argv[1:3] == ["manage.py", "runserver"]:  # served by the test, on a free port
            servers.append([sys.executable, *argv[1:], "--noreload"])
            continue
        host.run(*argv[1:])
    return servers


def test_the_readme_counts_six_steps_or_fewer() -> None:
    steps = [int(n) for n in STEP.findall(install_section())]
    assert steps == list(range(1, len(steps) + 1))
    assert len(steps) <= 6
    kinds = [kind for kind, _block in install_steps()]
    assert kinds.count("asgi") == 1
    assert "urls" in kinds


def test_the_readme_install_works_as_written(project: Project, browser: Any) -> None:
    servers: list[list[str]] = []
    for kind, block in install_steps():
        servers += apply(project, kind, block)
    project.run("manage.py", "shell", "-c", SEED)
    assert servers, "the README's steps end by serving the project"
    port = project.serve(lambda port: [*servers[0], f"127.0.0.1:{port}"])
    base = f"http://127.0.0.1:{port}"

    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/admin/login/?next=/gallery/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/gallery/")
    # badges placed on the cards' images by targets.js, from settings only
    running = page.locator('.card[data-asset-id="1"] [data-gs-status="processing"]')
    running.first.wait_for(state="visible", timeout=20_000)
    failed = page.locator('.card[data-asset-id="2"] [data-gs-status="failed"]')
    failed.first.wait_for(state="visible", timeout=20_000)
    image = page.locator('.card[data-asset-id="1"] img').bounding_box()
    badge = running.first.bounding_box()
    assert image is not None
    assert badge is not None
    assert image["x"] <= badge["x"]
    assert badge["x"] + badge["width"] <= image["x"] + image["width"]
    assert image["y"] <= badge["y"]
    assert badge["y"] + badge["height"] <= image["y"] + image["height"]
    assert page.locator('.card[data-asset-id="3"] [data-gs-status="processing"]').count() == 0
    # live: the running job completes in another process, its badge leaves the card
    project.run(
        "manage.py",
        "shell",
        "-c",
        "from genstatus import lifecycle; from genstatus.models import Generation; "
        "lifecycle.mark_failed(Generation.objects.get(provider_job_id='job-1'), 'Stopped')",
    )
    page.locator('.card[data-asset-id="1"] [data-gs-status="failed"]').first.wait_for(
        state="visible", timeout=20_000
    )
    # the panel, in the admin that was already there
    page.goto(f"{base}/admin/genstatus/generation/panel/")
    assert page.locator("tr[data-gs-generation]").count() == 2
    # the API include
    response = page.request.get(f"{base}/api/genstatus/statuses/?asset=1,2")
    assert response.status == 200
    assert set(response.json()["statuses"]) == {"1", "2"}
    assert errors == []


def test_a_bare_daphne_serves_the_static_files(project: Project) -> None:
    for kind, block in install_steps():
        if kind != "shell":
            apply(project, kind, block)
    port = project.serve(
        lambda port: [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "mysite.asgi:application",
        ]
    )

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/genstatus/css/genstatus.css") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/css")
        assert b".gs-badge" in r.read()
