"""genstatus in django-filer's admin: live badges on the files of the folder listing
(table and thumbnail views; folders get none) and "open asset" into filer's file page. Add
``"genstatus.contrib.filer"`` to ``INSTALLED_APPS`` and
``"genstatus.contrib.filer.middleware.FilerBadgesMiddleware"`` to ``MIDDLEWARE``;
docs/hosts.md, "django-filer"."""
