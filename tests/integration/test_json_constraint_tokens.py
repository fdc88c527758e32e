"""Constrained decoding at the token level, with the bundled model's real tokenizer: what
`json_schema_prefix_fn` offers the model after the text written so far."""

import pytest

from agent.understanding.constraints import DECODED_LIST_ITEMS, Constraints
from tests.conftest import REAL_MODEL_CACHE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from agent.llm.model_files import resolve_model_dir

    return AutoTokenizer.from_pretrained(str(resolve_model_dir(None, REAL_MODEL_CACHE)))


def offered_after(tokenizer, prefix_fn, written: str, allowed_of=None) -> list[str]:
    """The texts of the tokens `prefix_fn` (a `prefix_allowed_tokens_fn`; or `allowed_of`, ids ->
    allowed ids) allows once `written` is decoded after a prompt, fed one token at a time as
    `generate` does."""
    import torch

    allowed_of = allowed_of or (lambda ids: prefix_fn(0, torch.tensor(ids)))
    prompt = tokenizer.encode("<|im_start|>assistant\n", add_special_tokens=False)
    ids = tokenizer.encode(written, add_special_tokens=False)
    allowed = []
    for end in range(len(ids) + 1):
        allowed = allowed_of(prompt + ids[:end])
        if end < len(ids):
            assert ids[end] in allowed, f"{tokenizer.decode(ids[:end + 1])!r} was refused"
    return [tokenizer.decode([token]) for token in allowed]


def test_no_token_closes_an_object_after_a_comma(tokenizer):
    from lmformatenforcer import JsonSchemaParser, TokenEnforcer

    from agent.llm import json_constraint

    written = '{"need": "kettle", "attributes": {"color": "red",'
    offered = offered_after(tokenizer, json_constraint.json_schema_prefix_fn(tokenizer, Constraints.decoding_schema()),
                            written)
    assert offered and not [text for text in offered if text.strip().startswith("}")]
    assert any(text.strip().startswith('"') for text in offered)            # a next key is still offered
    # the library's parser alone offers the closing brace there
    plain = TokenEnforcer(json_constraint._tokenizer_table(tokenizer), JsonSchemaParser(Constraints.decoding_schema()))
    offered_alone = offered_after(tokenizer, None, written, lambda ids: plain.get_allowed_tokens(ids).allowed_tokens)
    assert any(text.strip().startswith("}") for text in offered_alone)


def test_a_looping_brand_list_is_closed_at_its_limit(tokenizer):
    from agent.llm import json_constraint

    entries = ", ".join(f'"Sony{"Aero" * n}"' for n in range(DECODED_LIST_ITEMS))
    offered = offered_after(tokenizer, json_constraint.json_schema_prefix_fn(tokenizer, Constraints.decoding_schema()),
                            '{"brands": [' + entries)
    assert offered and all(text.strip() == "" or text.strip().startswith("]") for text in offered)


def test_a_looping_attribute_name_is_closed_at_the_key_limit(tokenizer):
    from agent.llm import json_constraint

    prefix_fn = json_constraint.json_schema_prefix_fn(tokenizer, Constraints.decoding_schema())
    full = offered_after(tokenizer, prefix_fn, '{"attributes": {"' + "Ax-" * (json_constraint.MAX_KEY_CHARS // 3))
    assert full and all(text.startswith('"') for text in full)
    prefix_fn = json_constraint.json_schema_prefix_fn(tokenizer, Constraints.decoding_schema())
    room = 4                                   # characters left in the key: longer tokens are not offered
    almost = offered_after(tokenizer, prefix_fn, '{"attributes": {"' + "k" * (json_constraint.MAX_KEY_CHARS - room))
    assert any(len(text) == room and '"' not in text for text in almost)
    assert all(len(text.split('"')[0]) <= room for text in almost)
