"""Integrations with asset managers genstatus drops into: ``genstatus.contrib.wagtail``
(Wagtail's image library) and ``genstatus.contrib.filer`` (django-filer). Each is an app
of its own, added to ``INSTALLED_APPS`` next to the host's; docs/hosts.md."""
