"""genstatus in Wagtail's admin: live badges on the image listing (grid and list) and the
image chooser, the Generations panel as a Wagtail admin view with a menu item, and "open
asset" into Wagtail's image editor. Add ``"genstatus.contrib.wagtail"`` to
``INSTALLED_APPS``; docs/hosts.md, "Wagtail"."""
