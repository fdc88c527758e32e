"""The constraints the assistant understood, as removable chips ("under 80", "not Nike").

A chip names one constraint of the dialogue state; removing it edits that state
(`DialogueState.drop_constraint`) and the request is run again without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.understanding.constraints import Constraints


@dataclass(frozen=True)
class Chip:
    field: str                  # a Constraints field
    value: object | None        # the list entry or attribute name; None for a single-valued field
    label: str

    @property
    def key(self) -> str:
        return f"{self.field}:{self.value}" if self.value is not None else self.field


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def chips(constraints: Constraints | dict | None) -> list[Chip]:
    """One chip per removable constraint, in reading order (the need itself is not a chip)."""
    if constraints is None:
        return []
    if isinstance(constraints, dict):
        constraints = Constraints.model_validate(constraints)
    out: list[Chip] = []
    if constraints.category:
        out.append(Chip("category", None, constraints.category))
    out += [Chip("brands", b, f"{b} only" if len(constraints.brands) == 1 else b) for b in constraints.brands]
    if constraints.price_min is not None:
        out.append(Chip("price_min", None, f"over {_number(constraints.price_min)}"))
    if constraints.price_max is not None:
        out.append(Chip("price_max", None, f"under {_number(constraints.price_max)}"))
    if constraints.min_rating is not None:
        out.append(Chip("min_rating", None, f"rated {_number(constraints.min_rating)}+"))
    out += [Chip("exclude_brands", b, f"not {b}") for b in constraints.exclude_brands]
    for name, value in constraints.attributes.items():
        out.append(Chip("attributes", name, _attribute_label(name, value)))
    out += [Chip("soft_preferences", p, p) for p in constraints.soft_preferences]
    return out


def _attribute_label(name: str, value) -> str:
    if value is True:
        return name
    if value is False:
        return f"not {name}"
    if isinstance(value, (int, float)):
        return f"{name} {_number(value)}"
    return str(value).lower()


def remove_chip(state, chip: Chip) -> bool:
    """Take the chip's constraint out of the dialogue state; True if the state changed."""
    return state.drop_constraint(chip.field, chip.value)
