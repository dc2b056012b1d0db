"""The host's own admin site, whose photo changelist gets a live badge column."""

from django.contrib import admin

from gallery.models import Asset
from genstatus.admin_mixins import GenerationStatusAdminMixin

site = admin.AdminSite(name="hostadmin")


class PhotoAdmin(GenerationStatusAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "owner", "provider", "created_at"]
    search_fields = ["title"]


site.register(Asset, PhotoAdmin)
