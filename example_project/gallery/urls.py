from django.contrib.auth import views as auth_views
from django.urls import path

from gallery import demo_views, views

app_name = "gallery"
urlpatterns = [
    path("", views.gallery, name="index"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
    path("demo/start/", demo_views.start_demo, name="start_demo"),
    # the gallery's own login, for every user (the admin's only lets staff in)
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="gallery/login.html",
            next_page="gallery:index",
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="gallery:login"), name="logout"),
]
