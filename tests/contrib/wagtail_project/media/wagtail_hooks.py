from wagtail.snippets.models import register_snippet

from tests.contrib.wagtail_project.media.models import Feature

register_snippet(Feature)
