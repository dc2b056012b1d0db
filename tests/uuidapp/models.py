"""A third-party-style asset model with a UUID primary key, for tests/uuid_asset."""

import uuid

from django.db import models


class MediaItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name
