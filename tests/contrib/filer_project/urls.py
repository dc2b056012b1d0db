from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/genstatus/", include("genstatus.api.urls")),
    path("filer/", include("filer.urls")),
    # the uploaded files and thumbnails, for the browser tests (a site's web server serves them)
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
