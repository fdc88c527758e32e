"""The schema constrained decoding follows lets through only objects that validate: checked with
lm-format-enforcer's own character-level parser (what the in-process backend decodes with)."""

import json

import pytest
from lmformatenforcer import JsonSchemaParser

from agent.understanding.constraints import RATING_STEPS, Constraints


def accepts(schema: dict, text: str) -> bool:
    """Whether the enforcer lets `text` be written character by character and end there."""
    parser = JsonSchemaParser(schema)
    for char in text:
        if char not in parser.get_allowed_characters():
            return False
        parser = parser.add_character(char)
    return parser.can_end()


@pytest.mark.parametrize("rating", ["12.0", "140.0", "5.5", "0.5"])
def test_an_out_of_range_rating_cannot_be_decoded(rating):
    text = f'{{"need": "rain jackets", "min_rating": {rating}}}'
    assert accepts(Constraints.json_schema(), text)          # why: the enforcer ignores maximum
    assert not accepts(Constraints.decoding_schema(), text)


@pytest.mark.parametrize("rating", RATING_STEPS)
def test_every_rating_step_decodes_and_validates(rating):
    text = json.dumps({"need": "rain jackets", "min_rating": rating})
    assert accepts(Constraints.decoding_schema(), text)
    assert Constraints.model_validate_json(text).min_rating == rating


def test_the_rest_of_the_schema_is_unchanged():
    plain, decoding = Constraints.json_schema(), Constraints.decoding_schema()
    assert {k: v for k, v in decoding["properties"].items() if k != "min_rating"} == \
        {k: v for k, v in plain["properties"].items() if k != "min_rating"}
    assert accepts(decoding, '{"need": "kettle", "min_rating": null, "price_max": 40}')
    # decoding_schema works on its own copy: the plain schema keeps its 0..5 range
    assert Constraints.json_schema()["properties"]["min_rating"]["anyOf"][0] == {"maximum": 5, "minimum": 0,
                                                                               "type": "number"}
    assert plain["properties"]["min_rating"]["anyOf"][0]["maximum"] == 5
