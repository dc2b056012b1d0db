"""Demo-only view: start a simulated generation job from the gallery toolbar."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from gallery.providers import start_demo_job
from gallery.views import login_required


@login_required
@require_POST
def start_demo(request: HttpRequest) -> HttpResponse:
    """Create a placeholder asset + a demo generation; its badge shows the job's life."""
    start_demo_job(request.user, **getattr(settings, "DEMO_JOB", {}))
    return redirect("gallery:index")
