from django.contrib import admin

from gallery.models import Asset


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "kind", "provider", "owner", "created_at")
    list_filter = ("kind",)
    search_fields = ("title",)
    raw_id_fields = ("owner",)
