"""A host project genstatus "may not touch": its gallery templates render the thumbnail
loop in no block, an inline ``<a>`` around each ``<img>``, a table listing beside it, and
know nothing of genstatus. Badges come from settings only (``GENSTATUS_BADGE_TARGETS`` and
``BadgeTargetsMiddleware``, ``settings.py``); ``/photos/wrapped/`` is the same page for a
host that does edit its templates (``{% genstatus_badge_wrap %}``); ``/hostadmin/`` is a
host admin whose ``ModelAdmin`` uses ``GenerationStatusAdminMixin``.
"""
