"""JSON shapes of the API. Read-only: generations change through the lifecycle calls."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from genstatus.filters import AssetIdsField, out_of_range_asset_id
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

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor(self, event: GenerationEvent) -> str | None:
        """The username of who caused the change; null for workers and system jobs."""
        return _username(event.actor)


class GenerationSerializer(serializers.ModelSerializer[Generation]):
    url = serializers.HyperlinkedIdentityField(view_name="genstatus:api-generation-detail")
    status_display = StatusDisplaySerializer(source="display", read_only=True)
    owner = serializers.SerializerMethodField()
    asset: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    retry_of: serializers.PrimaryKeyRelatedField[Generation] = serializers.PrimaryKeyRelatedField(
        read_only=True
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

    @extend_schema_field(OpenApiTypes.STR)
    def get_owner(self, generation: Generation) -> str | None:
        """The owner's username; null for system jobs."""
        return _username(generation.owner)

    @extend_schema_field(OpenApiTypes.INT)
    def get_retried_as(self, generation: Generation) -> int | None:
        """The id of the attempt that retried this one, or null."""
        # annotated by the view's queryset; the fallback costs a query
        if hasattr(generation, "retried_as_pk"):
            return generation.retried_as_pk
        attempt = Generation.objects.filter(retry_of=generation).values_list("pk", flat=True)
        return attempt.first()


class GenerationDetailSerializer(GenerationSerializer):
    events = GenerationEventSerializer(many=True, read_only=True)

    class Meta(GenerationSerializer.Meta):
        fields = [*GenerationSerializer.Meta.fields, "events"]
        read_only_fields = fields


@extend_schema_field(
    {"type": "string", "example": "1,2,3", "description": "Comma-separated asset ids."}
)
class AssetIdsQueryField(serializers.Field[Any, Any, Any, Any]):
    """The filters' comma-separated asset ids: at most ``GENSTATUS_API_MAX_BATCH``, each
    valid for the asset model's primary key."""

    def to_internal_value(self, data: Any) -> list[Any]:
        form_field: forms.Field = AssetIdsField(required=True)
        try:
            ids = form_field.clean(data if isinstance(data, str) else "")
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        if not ids:
            raise serializers.ValidationError("Give at least one asset id.")
        if (wrong := out_of_range_asset_id(ids)) is not None:
            raise serializers.ValidationError(f"{str(wrong)[:40]!r} is not a valid asset id.")
        return ids


class AssetStatusesQuerySerializer(serializers.Serializer[Any]):
    asset = AssetIdsQueryField(
        help_text="Comma-separated asset ids (at most GENSTATUS_API_MAX_BATCH, default 500)."
    )


class AssetStatusSerializer(serializers.Serializer[Any]):
    """``genstatus.mapping.AssetStatus.as_dict()``: what a badge shows."""

    asset_id = serializers.CharField(help_text="An integer for integer primary keys.")
    generation_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField()
    progress = serializers.IntegerField(allow_null=True)
    error_message = serializers.CharField()
    error_code = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)
    status_display = StatusDisplaySerializer()


class AssetStatusesSerializer(serializers.Serializer[Any]):
    statuses = serializers.DictField(
        child=AssetStatusSerializer(),
        help_text="Keyed by asset id; assets without a visible generation are absent.",
    )
