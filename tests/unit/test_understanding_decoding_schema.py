"""The schema constrained decoding follows lets through only objects that validate, and stops a
looping model's values and lists at the decoding limits: checked with the character-level parser
the in-process backend decodes with (lm-format-enforcer's, with the decoder's comma and key rules)."""

import json

import pytest

from agent.llm.json_constraint import schema_parser
from agent.understanding.constraints import (DECODED_LIST_ITEMS, DECODED_NEED_CHARS, DECODED_TEXT_CHARS,
                                            RATING_STEPS, Constraints)


def parser_after(schema: dict, text: str):
    """The enforcer's state after `text`, or None when it refuses one of its characters."""
    parser = schema_parser(schema)
    for char in text:
        if char not in parser.get_allowed_characters():
            return None
        parser = parser.add_character(char)
    return parser


def accepts(schema: dict, text: str) -> bool:
    """Whether the enforcer lets `text` be written character by character and end there."""
    parser = parser_after(schema, text)
    return parser is not None and parser.can_end()


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


def test_the_plain_schema_keeps_its_own_limits():
    plain, decoding = Constraints.json_schema(), Constraints.decoding_schema()
    assert plain != decoding
    # decoding_schema works on its own copy: the plain schema keeps its 0..5 range and 10 entries
    assert Constraints.json_schema()["properties"]["min_rating"]["anyOf"][0] == {"maximum": 5, "minimum": 0,
                                                                               "type": "number"}
    assert plain["properties"]["brands"] == Constraints.json_schema()["properties"]["brands"]
    assert plain["properties"]["brands"]["maxItems"] == 10 and "maxLength" not in plain["properties"]["brands"]["items"]
    six_brands = {"brands": [f"Brand {n}" for n in range(DECODED_LIST_ITEMS + 1)]}
    assert accepts(plain, json.dumps(six_brands))
    assert len(Constraints.model_validate(six_brands).brands) == DECODED_LIST_ITEMS + 1


def test_a_looping_value_is_closed_at_its_limit():
    """The 135M model asked without examples wrote "SonyAeroSonySonySony..." until its token
    budget cut the reply; under the decoding schema the string must close at the limit."""
    for field, limit in (("category", DECODED_TEXT_CHARS), ("need", DECODED_NEED_CHARS)):
        opening, looping = f'{{"{field}": "', ("Sony" * limit)[:limit + 40]
        state = parser_after(Constraints.decoding_schema(), opening + looping[:limit])
        assert state is not None and set(state.get_allowed_characters()) == {'"'}
        assert parser_after(Constraints.json_schema(), opening + looping) is not None   # the plain schema lets it run on
    for text in ('{"brands": ["' + "a" * (DECODED_TEXT_CHARS + 1) + '"]}',
                 '{"soft_preferences": ["' + "b" * (DECODED_TEXT_CHARS + 1) + '"]}',
                 '{"attributes": {"color": "' + "c" * (DECODED_TEXT_CHARS + 1) + '"}}'):
        assert not accepts(Constraints.decoding_schema(), text)
        assert accepts(Constraints.json_schema(), text)


@pytest.mark.parametrize("field", ["brands", "exclude_brands", "soft_preferences"])
def test_a_list_is_closed_after_its_last_allowed_entry(field):
    entries = ", ".join(f'"Sony{"Sony" * n}"' for n in range(DECODED_LIST_ITEMS))
    state = parser_after(Constraints.decoding_schema(), f'{{"{field}": [{entries}')
    assert state is not None and "," not in state.get_allowed_characters()
    assert "]" in state.get_allowed_characters()


def test_values_at_the_limits_decode_and_validate():
    at_limits = {"need": "n" * DECODED_NEED_CHARS, "category": "c" * DECODED_TEXT_CHARS, "price_min": 5,
                 "price_max": 120.5, "brands": ["b" * DECODED_TEXT_CHARS] * DECODED_LIST_ITEMS,
                 "exclude_brands": ["Nike"], "min_rating": 4.5,
                 "attributes": {"color": "r" * DECODED_TEXT_CHARS, "waterproof": True, "size": 42},
                 "soft_preferences": ["light"] * DECODED_LIST_ITEMS}
    text = json.dumps(at_limits)
    assert accepts(Constraints.decoding_schema(), text)
    assert Constraints.model_validate_json(text).attributes["waterproof"] is True
    assert accepts(Constraints.decoding_schema(), '{"need": "kettle", "min_rating": null, "price_max": 40}')


@pytest.mark.parametrize("text", ['{"need": "kettle",}', '{"need": "kettle", }',
                                  '{"attributes": {"color": "red",\n  }}', '{"brands": ["Sony",]}'])
def test_an_object_or_list_never_closes_after_a_comma(text):
    assert not accepts(Constraints.decoding_schema(), text)


def test_the_library_alone_would_close_an_object_after_a_comma():
    """Why the rule exists: the 135M model wrote `"attributes": {"Sierra-Aurora": "Sierra-Aurora",\n  }`,
    which lm-format-enforcer 0.11.3 lets through and json.loads refuses."""
    from lmformatenforcer import JsonSchemaParser

    state = JsonSchemaParser(Constraints.decoding_schema())
    for char in '{"attributes": {"color": "red",\n  }}':
        assert char in state.get_allowed_characters()
        state = state.add_character(char)
    assert state.can_end()


@pytest.mark.parametrize("text", ['{"need": "cables, adapters", "category": "USB"}', '{"need": "a,}"}',
                                  '{"need": "say \\"hi\\", }", "brands": ["A", "B"]}', '{"attributes": {}}'])
def test_commas_and_braces_inside_strings_still_decode(text):
    assert accepts(Constraints.decoding_schema(), text)
    json.loads(text)


def test_an_attribute_name_is_closed_at_the_key_limit():
    """The zero-shot model wrote `"attributes": {"Ax-Ax-Ax-...` until the budget ran out: no schema
    bounds a free-form object's keys, so the decoder closes any key at `MAX_KEY_CHARS`."""
    from agent.llm.json_constraint import MAX_KEY_CHARS

    opening = '{"attributes": {"'
    state = parser_after(Constraints.decoding_schema(), opening + "Ax-" * (MAX_KEY_CHARS // 3))
    assert state is not None and set(state.get_allowed_characters()) == {'"'}
    assert not accepts(Constraints.decoding_schema(), opening + "k" * (MAX_KEY_CHARS + 1) + '": "v"}}')
    at_limit = opening + "k" * MAX_KEY_CHARS + '": "v", "colour": "red"}, "need": "a \\"quoted\\" need"}'
    assert accepts(Constraints.decoding_schema(), at_limit)
    assert len(Constraints.model_validate_json(at_limit).attributes) == 2
    # values are not keys: a 60-character value in a list is fine, a long need too (its own limit)
    assert accepts(Constraints.decoding_schema(), '{"brands": ["' + "b" * DECODED_TEXT_CHARS + '"], "need": "'
                   + "n" * DECODED_NEED_CHARS + '"}')
