"""What the shopper asked for, as the JSON the LLM extracts (schema-validated) and rules repair.

This schema is the contract between request understanding (agent), its training data (finetune)
and the retrieval filters. Hard constraints become `Filters`; soft preferences only re-rank.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from retrieval.filters import Filters

AttributeValue = str | float | bool
# The ratings constrained decoding may write (half stars, as shops filter): lm-format-enforcer does
# not enforce a number's minimum/maximum (vLLM's grammar backends differ), and the 135M model, when
# a shopper said "max 120", wrote "min_rating": 12.0 under the plain schema.
RATING_STEPS = tuple(half / 2 for half in range(2, 11))
# Decoding limits, so that a model caught in a loop ("Sony", "SonySony", ...) closes the value or
# list and moves on instead of spending the reply's token budget on it: per-value lengths well above
# real catalog values (brands reach 34 characters, category names 46, in the shared data sets) and
# fewer list entries than validation allows (a shopper names one or two brands).
DECODED_TEXT_CHARS = 60
DECODED_NEED_CHARS = 120
DECODED_LIST_ITEMS = 5
SCALAR_FIELDS = ("category", "price_min", "price_max", "min_rating")
LIST_FIELDS = ("brands", "exclude_brands", "soft_preferences")
NEED_MAX_CHARS = 300          # validation limits (the decoder has its own, lower, above)
LIST_MAX_ITEMS = 10


class Constraints(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Length limits reach the JSON schema too, so schema-constrained decoding cannot loop forever.
    need: str | None = Field(None, max_length=NEED_MAX_CHARS, description="what the shopper is looking for, in a few words")
    category: str | None = Field(None, description="a catalog category the items must be in")
    price_min: float | None = Field(None, ge=0)
    price_max: float | None = Field(None, ge=0)
    brands: list[str] = Field(default_factory=list, max_length=LIST_MAX_ITEMS, description="only these brands")
    exclude_brands: list[str] = Field(default_factory=list, max_length=LIST_MAX_ITEMS, description="never these brands")
    min_rating: float | None = Field(None, ge=0, le=5)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, description="attribute name -> required value")
    soft_preferences: list[str] = Field(default_factory=list, max_length=LIST_MAX_ITEMS,
                                        description="wishes that rank but do not filter")

    @field_validator("brands", "exclude_brands", "soft_preferences")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))

    @classmethod
    def fitted(cls, data: dict) -> tuple["Constraints", tuple[str, ...]]:
        """Constraints from values read out of free text (rules, or standing values with new ones
        added), cut to the limits instead of refused: the need to its first words within
        NEED_MAX_CHARS, each list to its newest LIST_MAX_ITEMS entries. Returns what was cut, as notes."""
        data, cuts = dict(data), []
        need = data.get("need")
        if need and len(need) > NEED_MAX_CHARS:
            data["need"] = need[:NEED_MAX_CHARS + 1].rsplit(" ", 1)[0][:NEED_MAX_CHARS]
            cuts.append(f"need cut from {len(need):,} to {len(data['need'])} characters")
        for name in LIST_FIELDS:
            values = cls._strip(data.get(name) or [])
            if len(values) > LIST_MAX_ITEMS:
                cuts.append(f"{name}: kept the last {LIST_MAX_ITEMS} of {len(values)}")
                data[name] = values[-LIST_MAX_ITEMS:]
        return cls.model_validate(data), tuple(cuts)

    def to_filters(self, exclude_ids: tuple[str, ...] = ()) -> Filters:
        low, high = self.price_min, self.price_max
        if low is not None and high is not None and low > high:
            low, high = high, low
        return Filters(price_min=low, price_max=high, brands=tuple(self.brands),
                       exclude_brands=tuple(self.exclude_brands),
                       categories=(self.category,) if self.category else (),
                       min_rating=self.min_rating, attributes=tuple(self.attributes.items()),
                       exclude_ids=exclude_ids)

    def without(self, name: str, value: AttributeValue | None = None) -> "Constraints":
        """A copy with one constraint removed: a scalar field (`price_max`, `category`, ...), one
        entry of a list field (`exclude_brands`, "Nike"), or one attribute by its name."""
        if name not in LIST_FIELDS + SCALAR_FIELDS + ("attributes",):
            raise ValueError(f"no removable constraint {name!r}")
        data = self.model_dump()
        if name in SCALAR_FIELDS:
            data[name] = None
        elif name == "attributes":
            data["attributes"] = {k: v for k, v in data["attributes"].items() if k != value}
        else:
            data[name] = [v for v in data[name] if v != value]
        return Constraints.model_validate(data)

    @classmethod
    def json_schema(cls) -> dict:
        return cls.model_json_schema()

    @classmethod
    def decoding_schema(cls) -> dict:
        """The schema that constrained decoding follows: `json_schema` with `min_rating` one of
        `RATING_STEPS`, so every decoded object validates, and the decoding limits above on every
        text value and list, so that a looping model moves on instead of spending the budget on one
        value (attribute names, which no schema keyword the enforcer reads can bound, are limited
        by the decoder itself: `agent.llm.json_constraint`). Validation itself (and the API) keeps
        the plain schema: a rule-extracted 4.2 stays 4.2."""
        schema = cls.json_schema()
        fields = schema["properties"]
        fields["min_rating"]["anyOf"][0] = {"enum": list(RATING_STEPS)}
        fields["need"]["anyOf"][0]["maxLength"] = DECODED_NEED_CHARS
        fields["category"]["anyOf"][0]["maxLength"] = DECODED_TEXT_CHARS
        for name in LIST_FIELDS:
            fields[name].update(maxItems=DECODED_LIST_ITEMS, items={"type": "string", "maxLength": DECODED_TEXT_CHARS})
        value_types = fields["attributes"]["additionalProperties"]["anyOf"]
        value_types[value_types.index({"type": "string"})]["maxLength"] = DECODED_TEXT_CHARS
        return schema
