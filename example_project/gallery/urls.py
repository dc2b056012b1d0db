from django.urls import path

from gallery import views

app_name = "gallery"
urlpatterns = [
    path("", views.gallery, name="index"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
]
