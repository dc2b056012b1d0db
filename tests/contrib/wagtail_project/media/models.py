"""A custom image model (WAGTAILIMAGES_IMAGE_MODEL), as many Wagtail sites have: it is
registered in no Django admin, so "open asset" must reach Wagtail's editor."""

from django.db import models
from wagtail.images.models import AbstractImage, AbstractRendition, Image


class CustomImage(AbstractImage):
    caption = models.CharField(max_length=255, blank=True)
    admin_form_fields = (*Image.admin_form_fields, "caption")


class CustomRendition(AbstractRendition):
    image = models.ForeignKey(CustomImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


class Feature(models.Model):
    """A snippet with an image field: its form opens Wagtail's image chooser."""

    title = models.CharField(max_length=255)
    image = models.ForeignKey(CustomImage, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.title
