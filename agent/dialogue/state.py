"""Dialogue state across turns: the standing constraints, the need, and what was shown."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.understanding.constraints import Constraints
from retrieval.catalog import Item

MAX_REMEMBERED_IDS = 200


@dataclass
class DialogueState:
    constraints: Constraints = field(default_factory=Constraints)
    need: str | None = None                        # the standing need ("wireless mouse")
    last_shown: tuple[Item, ...] = ()              # items of the last answer, in shown order
    seen_ids: tuple[str, ...] = ()                 # every item shown in this conversation
    reference: Item | None = None                  # "more like the second": the item to resemble
    turns: int = 0

    @property
    def has_request(self) -> bool:
        return self.need is not None or self.constraints != Constraints()

    def after_answer(self, shown: list[Item]) -> None:
        self.last_shown = tuple(shown)
        ids = dict.fromkeys(self.seen_ids + tuple(item.item_id for item in shown))
        self.seen_ids = tuple(ids)[-MAX_REMEMBERED_IDS:]

    def reset(self) -> None:
        self.constraints, self.need, self.reference = Constraints(), None, None

    def drop_constraint(self, name: str, value=None) -> bool:
        """Remove one understood constraint (a chip the shopper took away); True if it was there.
        The next turn (or `ChatSession.rerun`) searches without it."""
        changed = self.constraints.without(name, value)
        if changed == self.constraints:
            return False
        self.constraints = changed
        return True
