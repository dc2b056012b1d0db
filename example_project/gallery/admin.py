from typing import TYPE_CHECKING

from django.contrib import admin

from gallery.models import Asset

if TYPE_CHECKING:  # django-stubs makes ModelAdmin generic; Django's class takes no [...]
    _ModelAdmin = admin.ModelAdmin[Asset]
else:
    _ModelAdmin = admin.ModelAdmin


@admin.register(Asset)
class AssetAdmin(_ModelAdmin):
    list_display = ("id", "title", "kind", "provider", "owner", "created_at")
    list_filter = ("kind",)
    search_fields = ("title",)
    raw_id_fields = ("owner",)
