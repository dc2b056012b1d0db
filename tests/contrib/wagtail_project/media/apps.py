from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "tests.contrib.wagtail_project.media"
    label = "media"
    default_auto_field = "django.db.models.BigAutoField"
