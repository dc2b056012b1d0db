import pytest
from django.core.management import CommandError, call_command

from genstatus import lifecycle
from genstatus.integrity import find_mismatches
from genstatus.models import Generation, GenerationEvent

pytestmark = pytest.mark.django_db


def test_lifecycle_changes_keep_rows_and_events_in_agreement(make_generation, capsys):
    for _ in range(3):
        generation = make_generation()
        lifecycle.mark_processing(generation)
        lifecycle.mark_failed(generation, "boom")
        lifecycle.retry(generation)
    assert list(find_mismatches(batch_size=2)) == []
    call_command("genstatus_integrity", batch_size=2)
    assert "Every generation matches" in capsys.readouterr().out


def test_a_raw_update_is_reported(make_generation, capsys):
    good, bad, orphan = make_generation(), make_generation(), make_generation()
    Generation.objects.filter(pk=bad.pk).update(status="completed")
    GenerationEvent.objects.filter(generation=orphan).delete()
    found = {m.generation_id: str(m) for m in find_mismatches(batch_size=1)}
    assert set(found) == {bad.pk, orphan.pk}
    assert found[bad.pk] == f"Generation {bad.pk} is completed but its last event says pending."
    assert found[orphan.pk] == f"Generation {orphan.pk} is pending but has no event."
    with pytest.raises(CommandError, match="2 generation"):
        call_command("genstatus_integrity")
    assert good.pk not in found
