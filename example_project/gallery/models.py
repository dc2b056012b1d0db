"""The example media asset manager's one model: an image or video in a user's gallery."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class Asset(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assets"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    thumbnail = models.URLField(blank=True, help_text="Empty: the card shows a gradient.")
    provider = models.CharField(max_length=50, blank=True, help_text="Shown as a card badge.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="asset_owner_newest")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("gallery:asset", args=[self.pk])

    @property
    def hue(self) -> int:
        """A stable colour for the placeholder thumbnail."""
        return (self.pk or 0) * 47 % 360
