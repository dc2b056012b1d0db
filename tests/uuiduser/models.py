"""A UUID-keyed user model (``AUTH_USER_MODEL = "uuiduser.User"``), for tests/key_matrix."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
