"""The host test projects run in their own virtualenvs (.ci/tier-hosts), each with its
settings (``--ds tests.contrib.<host>_project.settings``); any other run leaves them out."""

import os

PROJECTS = {
    "wagtail_project": "tests.contrib.wagtail_project.settings",
    "filer_project": "tests.contrib.filer_project.settings",
}

collect_ignore = [
    name
    for name, settings in PROJECTS.items()
    if os.environ.get("DJANGO_SETTINGS_MODULE") != settings
]
