"""``{% load genstatus_stats %}``: the health banner's data and the Statistics page's
number formats, thin over ``genstatus.stats``.

- ``{% genstatus_health as health %}``: the ``stats.health.Health`` of the request's user
  (their own generations, everyone's with ``view_all_generations``);
- ``{{ seconds|gs_duration }}``: "850 ms", "12.5 s", "4 min 10 s", "2 h 5 min"; "—" for None;
- ``{{ rate|gs_percent }}``: 0.975 → "97.5 %"; "—" for None.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from genstatus.models import visibility
from genstatus.stats.health import Health, health

register = template.Library()


@register.simple_tag(takes_context=True)
def genstatus_health(context: template.Context) -> Health | None:
    """The health of what the request's user may see; None without a request."""
    request = context.get("request")
    if request is None:
        return None
    return health(visibility(request.user), timezone.now())


@register.filter
def gs_duration(seconds: Any) -> str:
    if seconds is None or seconds == "":  # "": a figure with no percentiles
        return "—"
    value = float(seconds)
    if value < 1:
        return _("%(n)s ms") % {"n": formats.number_format(round(value * 1000))}
    if value < 60:
        return _("%(n)s s") % {"n": formats.number_format(value, 1)}
    if value < 3600:
        minutes, rest = divmod(round(value), 60)
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": rest}
    hours, rest = divmod(round(value) // 60, 60)
    return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}


@register.filter
def gs_percent(rate: Any) -> str:
    if rate is None or rate == "":
        return "—"
    return _("%(n)s %%") % {"n": formats.number_format(float(rate) * 100, 1)}
