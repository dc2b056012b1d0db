"""Generations (list, detail, retry, cancel) and the batch status of a list of assets.

Errors: invalid filters or ids → 400 with a message per field; retry/cancel in a state
that does not allow it → 409 naming the state; an unknown or invisible generation → 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import APIRootView
from rest_framework.views import APIView

from genstatus import ids, lifecycle
from genstatus.api.pagination import GenerationCursorPagination
from genstatus.api.permissions import CanChangeGenerations
from genstatus.api.serializers import (
    AssetStatusesQuerySerializer,
    AssetStatusesSerializer,
    GenerationDetailSerializer,
    GenerationSerializer,
)
from genstatus.exceptions import InvalidTransition
from genstatus.filters import GenerationFilterSet
from genstatus.live import display_dict
from genstatus.mapping import statuses_for_assets
from genstatus.models import Generation, GenerationEvent
from genstatus.states import Status


class Conflict(APIException):
    """409: the generation's state does not allow the action; the body names the state."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "invalid_transition"

    def __init__(self, error: InvalidTransition) -> None:
        super().__init__(
            detail={"detail": str(error), "status": error.status, "requested": error.requested}
        )


Method = TypeVar("Method", bound=Callable[..., Any])


def documented(**kwargs: Any) -> Callable[[Method], Method]:
    """``extend_schema`` that works whatever the host's ``DEFAULT_SCHEMA_CLASS``: the
    decorator builds on the method's own schema class, so give it drf-spectacular's."""

    def decorate(method: Method) -> Method:
        method.kwargs = {**getattr(method, "kwargs", {}), "schema": AutoSchema}  # type: ignore[attr-defined]
        return extend_schema(**kwargs)(method)

    return decorate


_ERRORS = {
    400: OpenApiResponse(description="Invalid filters or ids: a list of messages per field."),
    403: OpenApiResponse(description="Not signed in (session auth first), or no permission."),
    404: OpenApiResponse(description="No such generation, or not yours to see."),
    409: OpenApiResponse(description="The generation's status does not allow the action."),
}


class GenstatusRootView(APIRootView):
    """The generation status API: generations (list, detail, retry, cancel), the badge
    status of a list of assets, and the OpenAPI schema. Reading needs a signed-in user;
    retry and cancel need the change_generation permission."""

    permission_classes = [AllowAny]  # links only, public like the schema

    def get_view_name(self) -> str:
        return "Generation status API"


class GenerationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Generation]
):
    """Generations the user may see: their own, or everybody's with the
    view_all_generations permission. Newest first, filtered like the Generations panel."""

    schema = AutoSchema()
    permission_classes = [IsAuthenticated]
    pagination_class = GenerationCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = GenerationFilterSet
    lookup_value_regex = "[^/]+"  # any id reaches the view: a JSON 404, not the host's page
    serializer_class = GenerationSerializer

    def get_queryset(self) -> QuerySet[Generation]:
        """Visible generations with everything the serializer reads: one query a page."""
        queryset = (
            Generation.objects.visible_to(self.request.user)
            .select_related("owner")
            .annotate(retried_as_pk=F("retried_as__id"))
        )
        if self.action == "retrieve":
            events = GenerationEvent.objects.select_related("actor").order_by("created_at", "id")
            queryset = queryset.prefetch_related(Prefetch("events", queryset=events))
        return queryset

    def get_object(self) -> Generation:
        """The generation named in the URL, its id read by ``genstatus.ids``: text that is
        not an id, or an id no row can have, is a 404 like a missing one."""
        try:
            pk = ids.generation_id(self.kwargs[self.lookup_field])
        except ids.BadId:
            pk = None
        if pk is None:
            raise Http404("No generation matches the given query.")
        self.kwargs[self.lookup_field] = pk
        return super().get_object()

    def get_serializer_class(self) -> type[GenerationSerializer]:
        return GenerationDetailSerializer if self.action == "retrieve" else GenerationSerializer

    def filter_queryset(self, queryset: QuerySet[Generation, Any]) -> QuerySet[Generation, Any]:
        # filters are the list's; on detail and actions they would only turn a 404 into 400
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, InvalidTransition):
            exc = Conflict(exc)
        elif isinstance(exc, Generation.DoesNotExist):  # deleted while we acted on it
            exc = Http404(str(exc))
        return super().handle_exception(exc)

    @documented(
        summary="Generations, newest first",
        description="The Generations panel's filters; cursor pagination (no COUNT).",
        parameters=[
            OpenApiParameter(
                "asset",
                str,
                description="Comma-separated asset ids (at most GENSTATUS_API_MAX_BATCH).",
            )
        ],
        responses={200: GenerationSerializer(many=True), 400: _ERRORS[400], 403: _ERRORS[403]},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @documented(
        summary="One generation with its event history",
        responses={200: GenerationDetailSerializer, 403: _ERRORS[403], 404: _ERRORS[404]},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    def _representation(self, generation: Generation, status_code: int) -> Response:
        fresh = self.get_queryset().get(pk=generation.pk)
        data = GenerationSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @documented(
        summary="Retry a failed or cancelled generation",
        description="Creates a new attempt (pending) and returns it; the original keeps its "
        "status and its ``retried_as`` points to the attempt. Needs "
        "genstatus.change_generation.",
        request=None,
        responses={
            201: GenerationSerializer,
            403: _ERRORS[403],
            404: _ERRORS[404],
            409: _ERRORS[409],
        },
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanChangeGenerations],
        url_path="retry",
        url_name="retry",
    )
    def retry(self, request: Request, pk: Any = None) -> Response:
        """POST to retry a failed or cancelled generation: a new pending attempt is created
        and returned (201). Needs the change_generation permission."""
        attempt = lifecycle.retry(self.get_object(), actor=request.user)
        response = self._representation(attempt, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    @documented(
        summary="Cancel a pending, queued or processing generation",
        description="Pending and queued generations are cancelled at once (200). A "
        "processing one gets a cancel request (202, ``cancel_requested_at`` set): it becomes "
        "cancelled when the provider confirms or the grace period ends. Needs "
        "genstatus.change_generation.",
        request=None,
        responses={
            200: GenerationSerializer,
            202: GenerationSerializer,
            403: _ERRORS[403],
            404: _ERRORS[404],
            409: _ERRORS[409],
        },
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated, CanChangeGenerations],
        url_path="cancel",
        url_name="cancel",
    )
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """POST to cancel a pending, queued or processing generation: cancelled at once
        (200), or a cancel request for a processing one (202). Needs the change_generation
        permission."""
        generation = lifecycle.request_cancel(self.get_object(), actor=request.user)
        requested = generation.status == Status.PROCESSING
        return self._representation(
            generation, status.HTTP_202_ACCEPTED if requested else status.HTTP_200_OK
        )


class AssetStatusesView(APIView):
    """The badge status of many assets at once: the live client's polling fallback."""

    schema = AutoSchema()
    permission_classes = [IsAuthenticated]

    @documented(
        summary="Badge status of a list of assets",
        description="``statuses_for_assets`` for the generations the user may see, in one "
        "query. Assets without a visible generation are absent. At most "
        "GENSTATUS_API_MAX_BATCH ids (default 500) per call.",
        parameters=[AssetStatusesQuerySerializer],
        responses={200: AssetStatusesSerializer, 400: _ERRORS[400], 403: _ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        query = AssetStatusesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        statuses = statuses_for_assets(
            query.validated_data["asset"],
            generations=Generation.objects.visible_to(request.user),
        )
        return Response(
            {
                "statuses": {
                    str(pk): {**status.as_dict(), "status_display": display_dict(status.status)}
                    for pk, status in statuses.items()
                }
            }
        )
