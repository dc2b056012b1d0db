from django.urls import include, path

from tests.hostproject import views
from tests.hostproject.admin import site

urlpatterns = [
    path("hostadmin/", site.urls),
    path("api/genstatus/", include("genstatus.api.urls")),
    path("photos/", views.photos, name="host-photos"),
    path("photos/wrapped/", views.wrapped, name="host-photos-wrapped"),
    path("photos/<int:pk>/", views.photos, name="host-photo"),
    path("photos/<int:pk>/thumb.svg", views.thumb, name="host-thumb"),
]
