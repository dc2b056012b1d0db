"""docs/hosts.md's django-filer install, as written: a new ``django-admin startproject``
with django-filer installed as filer's documentation says gets the blocks after each
``<!-- filer:<kind> -->`` marker (read from the docs, not retyped here), migrates, passes
``check``, and its folder listing gets the badge targets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.contrib.hosttest import ROOT

DOCS = ROOT / "docs" / "hosts.md"
MARKER = re.compile(r"<!-- filer:(\w+) -->\s*```\w*\n(.*?)```", re.S)

# what filer's own documentation has a project add, before genstatus
FILER_SETUP = """
INSTALLED_APPS += ["easy_thumbnails", "filer"]
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"
"""

PROBE = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
from filer.models import Folder
setup_test_environment()
user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
folder = Folder.objects.create(name="Renders", owner=user)
client = Client()
client.force_login(user)
assert client.get("/admin/genstatus/generation/panel/").status_code == 200
listing = client.get(folder.get_admin_directory_listing_url_path()).content.decode()
assert "data-gs-targets" in listing and "thumbnail-file-item" in listing
assert "data-gs-targets" not in client.get("/admin/").content.decode()
assert client.get("/api/genstatus/").status_code == 200
print("installed")
"""


def blocks() -> dict[str, str]:
    return {kind: textwrap.dedent(text) for kind, text in MARKER.findall(DOCS.read_text())}


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_the_docs_filer_install_works_as_written(tmp_path):
    steps = blocks()
    assert set(steps) == {"settings", "urls", "asgi"}
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GENSTATUS_"))}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's genstatus
    run([str(bin_dir / "django-admin"), "startproject", "mysite"], tmp_path, env)
    project = tmp_path / "mysite"
    with (project / "mysite" / "settings.py").open("a") as settings:
        settings.write(FILER_SETUP + "\n" + steps["settings"])
    with (project / "mysite" / "urls.py").open("a") as urls:
        urls.write("\n" + steps["urls"])
    (project / "mysite" / "asgi.py").write_text(steps["asgi"])

    run([sys.executable, "manage.py", "migrate"], project, env)
    assert "genstatus" not in run([sys.executable, "manage.py", "check"], project, env)
    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings"
    assert "installed" in run([sys.executable, "-c", PROBE], project, env)
    del env["DJANGO_SETTINGS_MODULE"]  # asgi.py sets it
    asgi = "import mysite.asgi; print(type(mysite.asgi.application).__name__)"
    assert "ProtocolTypeRouter" in run([sys.executable, "-c", asgi], project, env)
