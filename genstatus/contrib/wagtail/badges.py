"""Badges on Wagtail's own markup: the image listing (grid and list layouts) and the
image chooser (a modal Wagtail loads into the page), with no Wagtail template copied.

Wagtail renders its cards; these targets name them for ``targets.js``
(``genstatus.badges.targets``), which finds them (also when Wagtail swaps the results in
after a search, a filter or a layout toggle, or opens the chooser), fetches their badges
in one request and places each over its card's picture. An image's id is read from its
link: the editor (``/images/<id>/``) in the listing, the chooser's choice
(``/images/chooser/chosen/<id>/``) in the chooser.
"""

from __future__ import annotations

from django.utils.safestring import SafeString

from genstatus.badges.targets import BadgeTarget, render_targets_snippet

IMAGE_LINK = r"/images/(?:chooser/chosen/)?(\d+)/"

TARGETS = (
    # grid layout, listing and chooser: <li> > a.image-choice > … .image > img
    BadgeTarget(cards="ul.listing.images > li", id_link=IMAGE_LINK, image=".image img"),
    # the chooser's multiple choice: <li> > label > .image > img + input[name=id][value]
    BadgeTarget(
        cards="ul.listing.images.chooser > li:has(input[data-multiple-choice-select])",
        id_attribute="value",
        image=".image img",
    ),
    # list layout, listing and chooser: a row whose preview cell links to the image
    BadgeTarget(
        cards="table.listing tr:has(a.image-choice--list)", id_link=IMAGE_LINK, image=".image img"
    ),
)


def badge_snippet() -> SafeString:
    """The badges' assets and targets, on every page of Wagtail's admin
    (``insert_global_admin_js``): the chooser opens on any page with an image field."""
    return render_targets_snippet(None, TARGETS)
