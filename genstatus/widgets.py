"""``GenerationStatusWidget``: the badge as an overlay-widget object.

For hosts whose card templates loop over a list of widgets (the seed's ``customWidgets``)
instead of calling a tag::

    widgets = GenerationStatusWidget.for_assets(page, user=request.user)   # one query
    ...
    {% for widget in card.widgets %}{{ widget }}{% endfor %}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.safestring import SafeString

from genstatus import badges


class GenerationStatusWidget:
    """Renders the same markup as ``{% genstatus_badge %}``; ``{{ widget }}`` is enough.

    A subclass may set ``template_name`` to render a template of its own with
    ``badges.badge_context()``; by default the badge renderer (``GENSTATUS_BADGE_RENDERER``)
    builds the markup."""

    id = "genstatus"
    position = "top-right"
    template_name: str | None = None

    def __init__(
        self,
        asset: Any,
        statuses: Mapping[Any, Any] | None = None,
        *,
        user: Any = None,
        show_completed: bool | None = None,
        offset: Any = None,
        inline: bool = False,
        inflight: bool = True,
    ) -> None:
        self.asset = asset
        self.statuses = statuses
        self.user = user
        self.show_completed = show_completed
        self.offset = offset
        self.inline = inline
        self.inflight = inflight

    @classmethod
    def for_assets(
        cls, assets: Iterable[Any], *, user: Any, **options: Any
    ) -> dict[Any, GenerationStatusWidget]:
        """``{asset_pk: widget}`` for a page of assets, sharing one batch query; only the
        generations ``user`` may see count."""
        items = list(assets)
        statuses = badges.badge_statuses(items, user)
        return {
            badges.asset_pk(asset): cls(asset, statuses, user=user, **options) for asset in items
        }

    def get_template_name(self) -> str | None:
        """The template that renders the badge; None: the badge renderer."""
        return self.template_name

    def render(self) -> SafeString:
        return badges.render_badge(
            self.asset,
            self.statuses,
            user=self.user,
            show_completed=self.show_completed,
            offset=self.offset,
            inline=self.inline,
            inflight=self.inflight,
            template_name=self.get_template_name(),
        )

    def __html__(self) -> str:
        return self.render()

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"<GenerationStatusWidget asset={badges.asset_pk(self.asset)!r}>"
