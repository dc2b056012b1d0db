"""``FilerBadgesMiddleware``: badges on the files of django-filer's folder listing.

filer renders its listing (``admin/filer/folder/directory_table_list.html`` and, with
``?_list_type=th``, ``directory_thumbnail_list.html``) in no template block, so nothing is
overridden: this middleware puts genstatus's targets snippet
(``genstatus.badges.targets.render_targets_snippet``) into the listing's pages, and
``targets.js`` places a badge over each file's thumbnail. Folders share the listing with
files and their ids can be the same numbers: a file is found by its link to its own page
(``/admin/filer/image/<id>/change/``), which no folder has.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, reverse

from genstatus.badges.targets import BadgeTarget
from genstatus.middleware import BadgeTargetsMiddleware, injectable

LISTINGS = frozenset(
    {
        "filer-directory_listing",
        "filer-directory_listing-root",
        "filer-directory_listing-last",
        "filer-directory_listing-unfiled_images",
        "filer-directory_listing-images_with_missing_data",
    }
)


def file_link() -> str:
    """A pattern of the change page of filer's image model (``FILER_IMAGE_MODEL``), its id
    in a group: ``/admin/filer/image/(\\d+)/change/``."""
    label = getattr(settings, "FILER_IMAGE_MODEL", None) or "filer.Image"
    app_label, model_name = label.split(".")
    try:
        url = reverse(f"admin:{app_label}_{model_name.lower()}_change", args=[0])
    except NoReverseMatch:
        url = f"/{app_label}/{model_name.lower()}/0/change/"
    before, _zero, after = url.rpartition("/0/")
    return f"{re.escape(before)}/(\\d+)/{re.escape(after)}"


# the file picker (``?_popup=1&_pick=file``) has no links to the files' pages: a file's
# "select" link carries its id (a folder's is ``js-dismiss-folder``)
PICKED_FILE = "a.js-dismiss-image[data-file-id]"
ID = "data-file-id"
ROW, ITEM = "table#result_list tr", ".thumbnail-file-item"


def filer_targets() -> tuple[BadgeTarget, ...]:
    """The listing's files: the table's rows and the thumbnail view's file items, in the
    listing and in the file picker."""
    link = file_link()
    table, thumbs = "td.column-icon img", ".item-thumbnail img"
    picked_row, picked_item = (f"{card}:has({PICKED_FILE})" for card in (ROW, ITEM))
    return (
        BadgeTarget(cards=ROW, id_link=link, image=table),
        BadgeTarget(cards=ITEM, id_link=link, image=thumbs),
        BadgeTarget(cards=picked_row, id_attribute=ID, image=table),
        BadgeTarget(cards=picked_item, id_attribute=ID, image=thumbs),
    )


class FilerBadgesMiddleware(BadgeTargetsMiddleware):
    """``BadgeTargetsMiddleware`` with filer's targets on filer's folder listing (and the
    settings' own targets, if any, on the pages they name)."""

    def get_targets(self, request: HttpRequest, response: HttpResponseBase) -> list[BadgeTarget]:
        targets = super().get_targets(request, response)
        match = request.resolver_match
        if match is not None and match.url_name in LISTINGS and injectable(response):
            targets = [*targets, *filer_targets()]
        return targets
