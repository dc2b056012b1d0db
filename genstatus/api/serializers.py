"""JSON shapes of the API. Read-only: generations change through the lifecycle calls."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from genstatus.conf import genstatus_settings
from genstatus.filters import AssetIdsField
from genstatus.models import Generation, GenerationEvent
from genstatus.states import Status


def _username(user: Any) -> str | None:
    return None if user is None else str(user.get_username())


class StatusDisplaySerializer(serializers.Serializer[Any]):
    """How the badge shows a status: ``genstatus.states.status_display``."""

    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    icon = serializers.CharField()
    color = serializers.CharField()
    description = serializers.CharField()
    spinning = serializers.BooleanField()


class GenerationEventSerializer(serializers.ModelSerializer[GenerationEvent]):
    """One lifecycle change; ``from`` is empty for the "created" event."""

    from_ = serializers.CharField(source="from_status")
    to = serializers.CharField(source="to_status")
    actor = serializers.SerializerMethodField()

    class Meta:
        model = GenerationEvent
        fields = ["kind", "from_", "to", "actor", "message", "created_at"]

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # ``from`` is a keyword: the field is declared as ``from_`` and renamed here
        fields = super().get_fields()
        return {("from" if name == "from_" else name): field for name, field in fields.items()}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: GenerationEvent) -> str | None:
        """The username of who caused the change; null for workers and system jobs."""
        return _username(event.actor)


class GenerationSerializer(serializers.ModelSerializer[Generation]):
    url = serializers.HyperlinkedIdentityField(view_name="genstatus:api-generation-detail")
    status_display = StatusDisplaySerializer(source="display", read_only=True)
    owner = serializers.SerializerMethodField()
    asset: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    retry_of: serializers.PrimaryKeyRelatedField[Generation] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    retried_as = serializers.SerializerMethodField()

    class Meta:
        model = Generation
        fields = [
            "id",
            "url",
            "status",
            "status_display",
            "version",
            "progress",
            "provider",
            "operation_type",
            "prompt",
            "params",
            "error_message",
            "error_code",
            "retry_count",
            "retry_of",
            "retried_as",
            "asset",
            "owner",
            "provider_job_id",
            "created_at",
            "updated_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "cancel_requested_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_owner(self, generation: Generation) -> str | None:
        """The owner's username; null for system jobs."""
        return _username(generation.owner)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_retried_as(self, generation: Generation) -> int | None:
        """The id of the attempt that retried this one, or null."""
        # annotated by the view's queryset; the fallback costs a query
        if hasattr(generation, "retried_as_pk"):
            annotated: int | None = generation.retried_as_pk
            return annotated
        attempt = Generation.objects.filter(retry_of=generation).values_list("pk", flat=True)
        return attempt.first()


class GenerationDetailSerializer(GenerationSerializer):
    events = GenerationEventSerializer(many=True, read_only=True)

    class Meta(GenerationSerializer.Meta):
        fields = [*GenerationSerializer.Meta.fields, "events"]
        read_only_fields = fields


@extend_schema_field(
    {
        "type": "string",
        "minLength": 1,
        "example": "1,2,3",
        "description": "Comma-separated asset ids; an empty value is a 400.",
    }
)
class AssetIdsQueryField(serializers.Field[Any, Any, Any, Any]):
    """The filters' comma-separated asset ids: at most ``GENSTATUS_API_MAX_BATCH``, each
    read by ``genstatus.ids.asset_id``."""

    def to_internal_value(self, data: Any) -> list[Any]:
        text = data if isinstance(data, str) else ""
        form_field: forms.Field = AssetIdsField(required=True)
        try:
            ids = form_field.clean(text)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        if not any(part.strip() for part in text.split(",")):
            raise serializers.ValidationError("Give at least one asset id.")
        return list(ids or [])


class AssetStatusesQuerySerializer(serializers.Serializer[Any]):
    asset = AssetIdsQueryField(
        help_text="Comma-separated asset ids (at most GENSTATUS_API_MAX_BATCH, default 500)."
    )


def asset_key_field() -> serializers.Field[Any, Any, Any, Any]:
    """A serializer field typed like the asset model's primary key: an integer for
    integer keys, a UUID for UUID keys, else a string."""
    pk = apps.get_model(genstatus_settings.ASSET_MODEL)._meta.pk
    help_text = "The asset's primary key."
    if isinstance(pk, models.IntegerField):
        return serializers.IntegerField(help_text=help_text)
    if isinstance(pk, models.UUIDField):
        return serializers.UUIDField(help_text=help_text)
    return serializers.CharField(help_text=help_text)


class AssetStatusSerializer(serializers.Serializer[Any]):
    """``genstatus.mapping.AssetStatus.as_dict()``: what a badge shows."""

    asset_id = serializers.CharField()  # typed like the asset's key in get_fields()
    generation_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField()
    progress = serializers.IntegerField(allow_null=True)
    error_message = serializers.CharField()
    error_code = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)
    status_display = StatusDisplaySerializer()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {**super().get_fields(), "asset_id": asset_key_field()}


class AssetStatusesSerializer(serializers.Serializer[Any]):
    statuses = serializers.DictField(
        child=AssetStatusSerializer(),
        help_text="Keyed by asset id; assets without a visible generation are absent.",
    )
