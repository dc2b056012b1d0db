"""Translations: the shipped catalogs (French, German, Spanish, Japanese) cover every marked
string and are compiled; a French panel stays French when live.js changes it."""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from genstatus import lifecycle, live
from tests.test_live_client_panel import open_panel

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "genstatus" / "locale"
LANGUAGES = ("fr", "de", "es", "ja")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def read_po(path: Path) -> dict[tuple[str, str], list[str]]:
    """``{(context, msgid): [msgstr, ...]}`` of a .po file (no header, no obsolete entries),
    and each entry's flags under the key ``("#flags", msgid)``."""
    entries: dict[tuple[str, str], list[str]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fields: dict[str, str] = {}
        current = ""
        for line in lines:
            if line.startswith("#,"):
                fields["#flags"] = line
            elif line.startswith(("msgctxt", "msgid", "msgstr")):
                current, _, rest = line.partition(" ")
                fields[current] = ast.literal_eval(rest)  # a C string literal reads alike
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            key = (fields.get("msgctxt", ""), fields["msgid"])
            entries[key] = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            entries[("#flags", fields["msgid"])] = [fields.get("#flags", "")]
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_with_its_placeholders(language: str) -> None:
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    for (context, msgid), translations in entries.items():
        if context == "#flags":
            assert "fuzzy" not in translations[0], msgid
            continue
        assert all(translations), (language, msgid)
        for text in translations:
            # a translation may drop %(count)s in a form that does not need it, never add one
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(msgid)) | {
                "%(count)d",
                "%(counter)s",
            }, (language, msgid, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_po_file(language: str) -> None:
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as mo:
        catalog = gnu_gettext.GNUTranslations(mo)
    for (context, msgid), translations in read_po(folder / "django.po").items():
        if context == "#flags":
            continue
        if len(translations) == 1 and not context:
            assert catalog.gettext(msgid) == translations[0], (language, msgid)
        elif context:
            assert catalog.pgettext(context, msgid) == translations[0], (language, msgid)


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is not installed")
def test_the_catalogs_hold_every_marked_string(tmp_path: Path) -> None:
    """makemessages over the package finds no string the shipped catalogs lack."""
    copy = tmp_path / "genstatus"
    shutil.copytree(ROOT / "genstatus", copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": f"{ROOT}:{ROOT}/example_project",
            "PATH": "/usr/bin:/bin",
        },
    )
    fresh = {key for key in read_po(copy / "locale/fr/LC_MESSAGES/django.po") if key[0] != "#flags"}
    shipped = {key for key in read_po(LOCALE / "fr/LC_MESSAGES/django.po") if key[0] != "#flags"}
    assert fresh - shipped == set(), "run makemessages and translate the new strings (docs/i18n.md)"


def test_django_finds_the_catalogs() -> None:
    with translation.override("fr"):
        assert gettext("Retry") == "Relancer"
        assert gettext("Live") == "En direct"
        assert ngettext("%(count)d skipped: %(reasons)s", "%(count)d skipped: %(reasons)s", 2) == (
            "%(count)d ignorées : %(reasons)s"
        )
    with translation.override("ja"):
        assert gettext("Failed") == "失敗"
    with translation.override("de"):
        assert gettext("Cancelled") == "Abgebrochen"
    with translation.override("es"):
        assert gettext("Pending") == "Pendiente"


# What live.js could show in English if it held texts of its own.
ENGLISH = re.compile(
    r"\b(Live|Polling|Offline|just now|ago|Pending|Queued|Processing|Completed|Failed|"
    r"Cancelled|Cancel|Retry|Generation (in progress|failed|complete|cancelled))\b"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_french_panel_stays_french_after_live_updates(
    live_server: Any, page: Any, admin_user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.LANGUAGE_CODE = "fr"
    published: list[dict[str, Any]] = []
    monkeypatch.setattr(
        live.publisher, "publish", lambda payload, owner_id: published.append(payload)
    )
    running = lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", prompt="un phare", owner=admin_user
    )
    stand_in = open_panel(page, live_server.url, admin_user)
    indicator = page.locator("[data-gs-live-indicator]")
    assert indicator.inner_text() == "En direct"

    published.clear()
    created = lifecycle.create_generation(
        provider="sora", operation_type="text_to_video", prompt="un port", owner=admin_user
    )
    lifecycle.mark_processing(running)
    lifecycle.report_progress(running, 40)
    lifecycle.mark_failed(created, "Quota dépassé", code="quota")
    stand_in.push(published)
    page.wait_for_selector(f'tr[data-gs-generation="{created.pk}"][data-gs-status="failed"]')
    page.wait_for_selector(f'tr[data-gs-generation="{running.pk}"][data-gs-status="processing"]')
    page.wait_for_function(
        "document.querySelector(\"[data-gs-count='failed']\").textContent.trim() === '1'"
    )
    text = page.locator("#content").inner_text()
    assert "Échec" in text
    english = sorted({m.group(0) for m in ENGLISH.finditer(text)})
    assert english == [], english
    assert not ENGLISH.search(indicator.inner_text())
    assert page.js_errors == []
