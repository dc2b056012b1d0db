"""django-genstatus: the status of AI generation jobs where a media gallery's users look."""

__version__ = "0.1.0"
