"""Schema-constrained decoding for in-process transformers models.

A small model asked for JSON often writes almost-JSON (a missing brace, a field outside the
schema, prose around the object). vLLM constrains decoding to a JSON schema itself
(`response_format`); in-process, lm-format-enforcer does the same as a `prefix_allowed_tokens_fn`
for `generate`: at each step only tokens that keep the text a valid prefix of a schema-valid
object are allowed, and end-of-text only once the object is complete. A reply can then be
invalid only when `max_new_tokens` cuts it, or when a number breaks its `minimum`/`maximum`, which
the enforcer does not check (hence enumerated values where a range matters:
`Constraints.decoding_schema`). The enforcer (0.11.3) also lets an object close right after a
comma (`{"a": 1,}`, which `json.loads` refuses); `NoTrailingComma` takes that `}` away.

lm-format-enforcer's own transformers helper imports a module transformers 5 no longer has, so
the tokenizer table it needs is built here from the tokenizer's public API.
"""

from __future__ import annotations

import threading
import weakref
from typing import Callable

# One table per tokenizer object, dropped with it (an id() key could be reused by a later one).
_TABLES: "weakref.WeakKeyDictionary[object, object]" = weakref.WeakKeyDictionary()
_TABLES_LOCK = threading.Lock()


def _tokenizer_table(tokenizer):
    """lm-format-enforcer's view of the vocabulary: (id, text, starts a word) per regular token."""
    from lmformatenforcer import TokenEnforcerTokenizerData

    with _TABLES_LOCK:
        if tokenizer in _TABLES:
            return _TABLES[tokenizer]
    vocab_size = len(tokenizer)
    special = set(tokenizer.all_special_ids)
    anchor = tokenizer.encode("0", add_special_tokens=False)[-1]
    tokens = []
    for token_id in range(vocab_size):
        if token_id in special:
            continue
        # Decoded after another token, a word-initial token keeps its leading space.
        after_anchor = tokenizer.decode([anchor, token_id])[1:]
        alone = tokenizer.decode([token_id])
        tokens.append((token_id, after_anchor, len(after_anchor) > len(alone)))

    def decode(ids: list[int]) -> str:
        return tokenizer.decode(ids).rstrip("\ufffd")          # a half-decoded multi-byte character

    table = TokenEnforcerTokenizerData(tokens, decode, tokenizer.eos_token_id, False, vocab_size)
    with _TABLES_LOCK:
        _TABLES[tokenizer] = table
    return table


def _no_trailing_comma_parser(parser):
    """`parser` (a lm-format-enforcer character parser) that never offers `}` or `]` right after a
    comma outside a string. Built on first use, so that lm-format-enforcer is imported only here."""
    from lmformatenforcer import CharacterLevelParser

    class NoTrailingComma(CharacterLevelParser):
        def __init__(self, inner, in_string=False, escaped=False, after_comma=False):
            self.inner, self.in_string, self.escaped, self.after_comma = inner, in_string, escaped, after_comma

        @property
        def config(self):
            return self.inner.config

        @config.setter
        def config(self, new_config):        # the TokenEnforcer sets the tokenizer's alphabet
            self.inner.config = new_config

        def add_character(self, char: str):
            in_string, escaped, after_comma = self.in_string, False, self.after_comma
            if in_string:
                escaped = char == "\\" and not self.escaped
                in_string = not (char == '"' and not self.escaped)
            elif char == '"':
                in_string, after_comma = True, False
            elif not char.isspace():
                after_comma = char == ","
            return NoTrailingComma(self.inner.add_character(char), in_string, escaped, after_comma)

        def get_allowed_characters(self) -> str:
            allowed = self.inner.get_allowed_characters()
            if self.after_comma and not self.in_string:
                allowed = allowed.replace("}", "").replace("]", "")
            return allowed

        def can_end(self) -> bool:
            return self.inner.can_end()

        def shortcut_key(self):                # only inside free text, where the comma rule is idle
            return self.inner.shortcut_key()

        def cache_key(self):
            key = self.inner.cache_key()
            return None if key is None else (key, self.after_comma, self.in_string)

    return NoTrailingComma(parser)


def schema_parser(schema: dict):
    """The character-level parser constrained decoding follows for `schema`."""
    from lmformatenforcer import JsonSchemaParser

    return _no_trailing_comma_parser(JsonSchemaParser(schema))


def json_schema_prefix_fn(tokenizer, schema: dict) -> Callable:
    """A `prefix_allowed_tokens_fn` for `model.generate` that keeps every row of the batch a
    valid prefix of one JSON object of `schema`, and ends the row as soon as the object is
    complete (the enforcer allows end-of-text only then; trailing whitespace would only burn
    tokens). Build one per `generate` call."""
    from lmformatenforcer import TokenEnforcer

    enforcer = TokenEnforcer(_tokenizer_table(tokenizer), schema_parser(schema))
    eos = tokenizer.eos_token_id

    def allowed(_batch_id: int, sequence) -> list[int]:
        ids = sequence.tolist()
        if ids and ids[-1] == eos:               # a finished row (left padding never ends a row)
            return [eos]
        tokens = enforcer.get_allowed_tokens(ids).allowed_tokens
        return [eos] if eos in tokens else tokens

    return allowed
