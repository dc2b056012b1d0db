from django.urls import path

from gallery import demo_views, views

app_name = "gallery"
urlpatterns = [
    path("", views.gallery, name="index"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
    path("demo/start/", demo_views.start_demo, name="start_demo"),
]
