"""Schema-constrained decoding for in-process transformers models.

A small model asked for JSON often writes almost-JSON (a missing brace, a field outside the
schema, prose around the object). vLLM constrains decoding to a JSON schema itself
(`response_format`); in-process, lm-format-enforcer does the same as a `prefix_allowed_tokens_fn`
for `generate`: at each step only tokens that keep the text a valid prefix of a schema-valid
object are allowed, and end-of-text only once the object is complete. A reply can then be
invalid only when `max_new_tokens` cuts it, or when a number breaks its `minimum`/`maximum`, which
the enforcer does not check (hence enumerated values where a range matters:
`Constraints.decoding_schema`). Two rules are added to the enforcer's (0.11.3): an object or
list never closes right after a comma (`{"a": 1,}`, which it allows and `json.loads` refuses), and
no object key runs past `MAX_KEY_CHARS` (nothing in a JSON schema that it reads bounds the keys
of a free-form object).

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
MAX_KEY_CHARS = 60      # as `Constraints`' decoded text values


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


def _guarded_parser(parser, max_key_chars: int):
    """`parser` (a lm-format-enforcer character parser) with two JSON rules it lacks: no `}` or `]`
    right after a comma, and no object key longer than `max_key_chars` (a schema cannot bound the
    keys of a free-form object such as `attributes`, and a looping model writes one key forever).
    Built on first use, so that lm-format-enforcer is imported only here."""
    from lmformatenforcer import CharacterLevelParser

    class JsonGuards(CharacterLevelParser):
        def __init__(self, inner, containers="", last="", in_string=False, escaped=False, key_chars=None):
            self.inner, self.containers, self.last = inner, containers, last      # open `{`/`[`, last mark
            self.in_string, self.escaped, self.key_chars = in_string, escaped, key_chars

        @property
        def config(self):
            return self.inner.config

        @config.setter
        def config(self, new_config):        # the TokenEnforcer sets the tokenizer's alphabet
            self.inner.config = new_config

        def add_character(self, char: str):
            state = dict(containers=self.containers, last=self.last, in_string=self.in_string,
                         escaped=False, key_chars=self.key_chars)
            if self.in_string:
                closing = char == '"' and not self.escaped
                state.update(in_string=not closing, escaped=char == "\\" and not self.escaped,
                             key_chars=None if closing or self.key_chars is None else self.key_chars + 1)
            elif char == '"':
                is_key = self.containers.endswith("{") and self.last in ("{", ",")
                state.update(in_string=True, key_chars=0 if is_key else None, last=char)
            elif char in "{[":
                state.update(containers=self.containers + char, last=char)
            elif char in "}]":
                state.update(containers=self.containers[:-1], last=char)
            elif not char.isspace():
                state.update(last=char)
            return JsonGuards(self.inner.add_character(char), **state)

        def _key_is_full(self) -> bool:
            return self.key_chars is not None and self.key_chars >= max_key_chars and not self.escaped

        def get_allowed_characters(self) -> str:
            allowed = self.inner.get_allowed_characters()
            if not self.in_string and self.last == ",":
                return allowed.replace("}", "").replace("]", "")
            if self._key_is_full():
                return '"' if '"' in allowed else ""
            return allowed

        def can_end(self) -> bool:
            return self.inner.can_end()

        def shortcut_key(self):
            """The enforcer's free-text shortcut (tokens of a string chosen by length alone), kept
            within the key limit inside a key."""
            key = self.inner.shortcut_key()
            if self.key_chars is None or not (isinstance(key, tuple) and key[0] == "json_freetext"):
                return key
            if self._key_is_full() or self.escaped:
                return None                  # walk the characters: only the closing quote is left
            tag, written, min_chars, max_chars = key
            return tag, written, min_chars, min(max_chars, written + max_key_chars - self.key_chars)

        def cache_key(self):
            key = self.inner.cache_key()
            return None if key is None else (key, self.containers, self.last, self.in_string, self.key_chars)

    return JsonGuards(parser)


def schema_parser(schema: dict, max_key_chars: int = MAX_KEY_CHARS):
    """The character-level parser constrained decoding follows for `schema`."""
    from lmformatenforcer import JsonSchemaParser

    return _guarded_parser(JsonSchemaParser(schema), max_key_chars)


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
