"""Removing one understood constraint (a chip in the UI) edits the dialogue state, and a re-run of
the standing request searches without it while every other constraint still stands."""

import pytest

from agent.dialogue.state import DialogueState
from agent.turn.events import ItemsReady, TurnDone
from agent.understanding.constraints import Constraints
from tests.agent_fixtures import ScriptedLLM, make_assistant, small_dataset, small_index  # noqa: F401


def test_without_removes_exactly_one_constraint():
    c = Constraints(need="jacket", price_min=20, price_max=80, exclude_brands=["Velo", "Kestrel"],
                    attributes={"waterproof": True, "colour": "Red"}, soft_preferences=["for cycling"])
    assert c.without("price_max").price_max is None and c.without("price_max").price_min == 20
    assert c.without("exclude_brands", "Velo").exclude_brands == ["Kestrel"]
    assert c.without("attributes", "waterproof").attributes == {"colour": "Red"}
    assert c.without("soft_preferences", "for cycling").soft_preferences == []
    assert c.without("exclude_brands", "Nike") == c                   # absent: unchanged
    with pytest.raises(ValueError):
        c.without("need")


def test_drop_constraint_reports_whether_anything_changed():
    state = DialogueState(constraints=Constraints(price_max=80), need="jacket")
    assert state.drop_constraint("price_max") is True
    assert state.constraints.price_max is None
    assert state.drop_constraint("price_max") is False


@pytest.fixture
def assistant(small_index, small_dataset):
    return make_assistant(small_index, ScriptedLLM(), reviews_folder=small_dataset)


def test_rerun_after_dropping_a_constraint_searches_without_it(assistant, small_index):
    session = assistant.session()
    first = session.reply("a waterproof rain jacket under 80, not Velo")
    stated = first.understanding.constraints
    assert stated["price_max"] == 80 and stated["exclude_brands"] == ["Velo"]
    assert all(small_index.catalog[i].price <= 80 for i in first.shown_item_ids)

    assert session.state.drop_constraint("price_max")
    events = list(session.rerun(note="removed: under 80"))
    assert isinstance(events[0], ItemsReady) and isinstance(events[-1], TurnDone)
    record = events[-1].record
    assert record.understanding.kind == "edit" and "removed: under 80" in record.understanding.notes
    assert "price_max" not in record.understanding.constraints
    shown = [small_index.catalog[i] for i in record.shown_item_ids]
    assert any(item.price > 80 for item in shown)                  # the limit is gone ...
    assert all(item.brand != "Velo" and item.attributes["waterproof"] is True for item in shown)  # ... the rest stands
    assert session.state.constraints.exclude_brands == ["Velo"] and session.state.constraints.price_max is None

    # the next typed message builds on the edited state
    cheaper = session.reply("cheaper")
    assert cheaper.understanding.constraints["exclude_brands"] == ["Velo"]


def test_rerun_with_nothing_left_to_search_asks_what_to_look_for(assistant):
    session = assistant.session()
    session.reply("Velo rain jacket")
    session.state.reset()
    record = list(session.rerun())[-1].record
    assert record.outcome == "clarify"
