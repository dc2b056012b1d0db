"""The example media asset manager's one model: an image or video in a user's gallery."""

from django.conf import settings
from django.db import models
from django.urls import reverse

CARD_TITLE_LENGTH = 48


def cut_on_word(text: str, limit: int = CARD_TITLE_LENGTH) -> str:
    """``text`` in at most ``limit`` characters, cut after a whole word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]  # room for the ellipsis
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back; else cut the long word
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


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
    def card_title(self) -> str:
        """The title as a card shows it: cut on a word, with an ellipsis."""
        return cut_on_word(self.title)

    @property
    def hue(self) -> int:
        """A stable colour for the placeholder thumbnail."""
        return (self.pk or 0) * 47 % 360
