"""The host's own views: they know nothing of genstatus."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gallery.models import Asset

COLOURS = ["#0f766e", "#7c3aed", "#b45309", "#be123c", "#1d4ed8", "#4d7c0f"]


def photos(request: HttpRequest, pk: Any = None) -> HttpResponse:
    return render(request, "hostproject/photos.html", {"photos": Asset.objects.order_by("pk")})


def wrapped(request: HttpRequest) -> HttpResponse:
    return render(request, "hostproject/wrapped.html", {"photos": Asset.objects.order_by("pk")})


def thumb(request: HttpRequest, pk: int) -> HttpResponse:
    colour = COLOURS[pk % len(COLOURS)]
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240">'
        f'<rect width="320" height="240" fill="{colour}"/>'
        '<circle cx="230" cy="80" r="34" fill="#fde68a"/>'
        '<path d="M0 240 L110 120 L190 200 L240 150 L320 240 Z" fill="#0b1220" opacity=".55"/>'
        "</svg>"
    )
    return HttpResponse(svg, content_type="image/svg+xml")
