"""Stored chat turns: grouped into conversations newest first, turns in order, erased per user."""

from __future__ import annotations

from agent.turn.conversation_store import ConversationStore
from agent.turn.steps import TurnRecord, UnderstandingStep


def record(turn: int, reply: str) -> TurnRecord:
    return TurnRecord(turn=turn, session="s", user="h", outcome="answer", reply=reply, shown_item_ids=("a",),
                      understanding=UnderstandingStep("new", {}, "q"))


def test_recent_groups_turns_by_session_newest_first(settings):
    store = ConversationStore.from_settings(settings)
    store.add("u1", "s1", 1, "hello", "hi", record(1, "hi"), ts=10)
    store.add("u1", "s1", 2, "cheaper", "ok", record(2, "ok"), ts=30)
    store.add("u1", "s2", 1, "laptop", "here", record(1, "here"), ts=20)
    store.record("u2", "s9", "other", record(1, "theirs"))
    found = store.recent("u1", limit=5)
    assert [c.session_id for c in found] == ["s1", "s2"]
    assert [t.message for t in found[0].turns] == ["hello", "cheaper"]
    assert (found[0].started, found[0].updated) == (10, 30)
    assert found[0].turns[1].record["shown_item_ids"] == ["a"]
    assert [c.session_id for c in store.recent("u1", limit=1)] == ["s1"]
    assert [t.message for t in store.recent_turns("u1", limit=2)] == ["cheaper", "laptop"]
    assert store.recent("u2")[0].turns[0].reply == "theirs"


def test_forget_removes_only_that_user(settings):
    store = ConversationStore.from_settings(settings)
    store.add("u1", "s1", 1, "m", "r", record(1, "r"))
    store.add("u2", "s2", 1, "m", "r", record(1, "r"))
    assert store.forget("u1") == 1
    assert store.count("u1") == 0 and store.count("u2") == 1
