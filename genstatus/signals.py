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

# A generation's status changed (old != new, always).
# Arguments: sender=Generation, generation, old, new, actor (user or None),
# kind ("transition").
generation_status_changed = Signal()

# A cancel was requested for a processing generation: it stays processing until the
# provider confirms (then generation_status_changed, to "cancelled"). A pending or queued
# generation is cancelled at once instead (generation_status_changed).
# Arguments: sender=Generation, generation, actor (user or None).
generation_cancel_requested = Signal()

# A failed or cancelled generation was retried: it keeps its status, ``attempt`` (also
# ``generation.retried_as``) is the new generation, which gets its own
# generation_created.
# Arguments: sender=Generation, generation, attempt, actor (user or None).
generation_retried = Signal()

# A processing generation reported progress (0-100). No status change, version bumped.
# Arguments: sender=Generation, generation, progress.
generation_progressed = Signal()
