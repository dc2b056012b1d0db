"""docs/hosts.md's Wagtail install, as written: a new ``wagtail start`` project gets the
blocks after each ``<!-- wagtail:<kind> -->`` marker (read from the docs, not retyped
here), migrates, passes ``check``, and shows the panel and the badge targets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.contrib.hosttest import ROOT

DOCS = ROOT / "docs" / "hosts.md"
MARKER = re.compile(r"<!-- wagtail:(\w+) -->\s*```\w*\n(.*?)```", re.S)

# after the install: a superuser opens the panel and the image listing
PROBE = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
client = Client()
client.force_login(user)
panel = client.get("/admin/generations/")
assert panel.status_code == 200, panel.status_code
assert "Generations panel" in client.get("/admin/").content.decode()
images = client.get("/admin/images/").content.decode()
assert "data-gs-targets" in images and "image-choice--list" in images
assert client.get("/api/genstatus/").status_code == 200
# wagtail start keeps Django's admin at /django-admin/: its panel opens Wagtail's editor
import io
from PIL import Image as Picture
from django.core.files.base import ContentFile
from wagtail.images import get_image_model
from genstatus import lifecycle
buffer = io.BytesIO()
Picture.new("RGB", (64, 48), "#2980b9").save(buffer, "PNG")
picture = ContentFile(buffer.getvalue(), "r.png")
image = get_image_model().objects.create(title="Render", file=picture)
generation = lifecycle.create_generation(
    provider="p", operation_type="text_to_image", asset=image, owner=user
)
assert client.get("/django-admin/genstatus/generation/panel/").status_code == 200
opened = client.get(f"/django-admin/genstatus/generation/{generation.pk}/open-asset/")
assert opened["Location"] == f"/admin/images/{image.pk}/", opened["Location"]
print("installed")
"""


def blocks() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind, text in MARKER.findall(DOCS.read_text()):
        found.setdefault(kind, []).append(textwrap.dedent(text))  # blocks in a list item
    return found


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_the_docs_wagtail_install_works_as_written(tmp_path):
    steps = blocks()
    assert set(steps) == {"settings", "urls", "asgi", "shell"}
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GENSTATUS_"))}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's genstatus
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    run([str(bin_dir / "wagtail"), "start", "mysite"], tmp_path, env)
    project = tmp_path / "mysite"
    with (project / "mysite" / "settings" / "base.py").open("a") as settings:
        settings.write("\n" + "\n".join(steps["settings"]))
    with (project / "mysite" / "urls.py").open("a") as urls:
        urls.write("\n" + "\n".join(steps["urls"]))
    assert not (project / "mysite" / "asgi.py").exists()  # wagtail start makes none
    (project / "mysite" / "asgi.py").write_text(steps["asgi"][0])

    for line in steps["shell"][0].splitlines():
        command = line.split()
        if command[2] == "runserver":
            continue  # serving is the browser tests' part
        output = run([sys.executable, *command[1:]], project, env)
        if command[2] == "check":
            assert "genstatus" not in output, output
    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings.dev"
    assert "installed" in run([sys.executable, "-c", PROBE], project, env)
    del env["DJANGO_SETTINGS_MODULE"]  # asgi.py sets it
    asgi = "import mysite.asgi; print(type(mysite.asgi.application).__name__)"
    assert "ProtocolTypeRouter" in run([sys.executable, "-c", asgi], project, env)


@pytest.mark.parametrize("app", ["django_filters", "genstatus", "daphne"])
def test_the_settings_block_lists_each_app_once(app):
    namespace: dict = {"INSTALLED_APPS": ["wagtail", "django_filters", "django.contrib.admin"]}
    exec("\n".join(blocks()["settings"]), namespace)
    assert namespace["INSTALLED_APPS"].count(app) == 1
