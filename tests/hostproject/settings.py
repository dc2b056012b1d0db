"""The host project's settings: the test settings (or, in a daphne subprocess, the live
server's) plus what a host adds to get badges on markup it keeps as it is."""

import os
from pathlib import Path

if os.environ.get("GENSTATUS_LIVE_DB_NAME"):
    from tests.live.server_settings import *  # noqa: F403
else:
    from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.hostproject.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [Path(__file__).resolve().parent / "templates"]}]  # noqa: F405

# What a host adds: one middleware (the test settings have it already) and its cards.
if "genstatus.middleware.BadgeTargetsMiddleware" not in MIDDLEWARE:  # noqa: F405
    MIDDLEWARE = [*MIDDLEWARE, "genstatus.middleware.BadgeTargetsMiddleware"]  # noqa: F405
GENSTATUS_BADGE_TARGETS = [
    # the grid: a <figure> per photo, the id in its link
    {"cards": ".photo-grid figure", "id_link": r"/photos/(?P<id>\d+)/", "paths": [r"^/photos/$"]},
    # the strip: inline <a> around an <img>, nothing else
    {"cards": "p.strip > a", "id_link": r"/photos/(\d+)/", "paths": [r"^/photos/$"]},
    # a carousel that scrolls sideways: badges follow, and hide where it clips
    {"cards": ".carousel > a", "id_link": r"/photos/(\d+)/", "paths": [r"^/photos/$"]},
    # the table: the id in a data attribute of the row, the image in a cell
    {
        "cards": "table.listing tr[data-photo]",
        "id_attribute": "data-photo",
        "image": "td.thumb img",
        "paths": [r"^/photos/$"],
    },
]
