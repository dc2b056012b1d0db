import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_templates_static_migrations_and_py_typed(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("django_genstatus-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "genstatus/py.typed" in names
    assert "genstatus/migrations/0001_initial.py" in names
    assert any(n.startswith("genstatus/templates/genstatus/") for n in names)
    assert any(n.startswith("genstatus/static/genstatus/") for n in names)
    for language in ("fr", "de", "es", "ja"):  # compiled catalogs (docs/i18n.md)
        assert f"genstatus/locale/{language}/LC_MESSAGES/django.mo" in names
    assert not any(n.startswith(("tests/", "example_project/")) for n in names)
