"""The REST API (Django REST framework): generations, batch status, retry and cancel.

Include it with ``path("api/genstatus/", include("genstatus.api.urls"))``; the URL names
live in the ``genstatus`` namespace. DRF (and drf-spectacular) are imported only here.
"""
