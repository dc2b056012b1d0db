"""Signals genstatus sends. Every one is sent after the change is committed.

They are sent from ``transaction.on_commit`` callbacks with ``send_robust``: a receiver
that raises is logged and does not stop the other receivers, and nothing is ever sent for
a change whose transaction rolled back.
"""

from __future__ import annotations

from django.dispatch import Signal

# A new generation was created (also a retry's new attempt).
# Arguments: sender=Generation, generation, actor (user or None).
generation_created = Signal()

# A generation's lifecycle changed: a status transition, a cancel request on a
# processing generation (old == new == "processing", kind="cancel_requested"), or a
# retry of a failed or cancelled one (old == new, kind="retried"; the new attempt is
# ``generation.retried_as`` and gets its own generation_created).
# Arguments: sender=Generation, generation, old, new, actor (user or None), kind (str).
generation_status_changed = Signal()

# A processing generation reported progress (0-100). No status change, version bumped.
# Arguments: sender=Generation, generation, progress.
generation_progressed = Signal()
