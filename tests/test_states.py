import pytest

from genstatus.states import (
    ACTIVE,
    DISPLAY,
    TERMINAL,
    TRANSITIONS,
    Status,
    can_transition,
    is_terminal,
    sources_of,
    status_display,
)


def test_active_and_terminal_partition_the_statuses():
    assert set(Status.values) == ACTIVE | TERMINAL
    assert not ACTIVE & TERMINAL


def test_terminal_states_have_no_way_out():
    for status in TERMINAL:
        assert TRANSITIONS[status] == frozenset()
        assert is_terminal(status)


def test_transition_table_matches_design():
    assert TRANSITIONS["pending"] == {"queued", "processing", "failed", "cancelled"}
    assert TRANSITIONS["queued"] == {"processing", "failed", "cancelled"}
    assert TRANSITIONS["processing"] == {"completed", "failed", "cancelled"}
    assert sources_of("completed") == {"processing"}
    assert not can_transition("queued", "completed")


@pytest.mark.parametrize(
    ("status", "icon", "color", "description"),
    [
        ("pending", "clock", "yellow", "Waiting to start"),
        ("queued", "layers", "blue", "In queue"),
        ("processing", "loader", "blue", "Generation in progress"),
        ("completed", "check", "green", "Generation complete"),
        ("failed", "alert", "red", "Generation failed"),
        ("cancelled", "x", "gray", "Generation cancelled"),
    ],
)
def test_display_follows_the_seed(status, icon, color, description):
    display = status_display(status)
    assert (display.icon, display.color, str(display.description)) == (icon, color, description)
    assert display.spinning is (status == "processing")
    assert display.as_dict()["label"] == str(display.label)


def test_every_status_has_display_data():
    assert set(DISPLAY) == set(Status.values)


def test_unknown_status_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown generation status 'done'"):
        status_display("done")
