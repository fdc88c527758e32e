"""`finetune data`: grounded targets, a split by user and time without leakage, bad lines skipped."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from agent.understanding.constraints import Constraints
from finetune.build import build_training_data, load_split
from finetune.config import DataConfig
from profiles.dataset import load_catalog_dataset as load_dataset_folder
from finetune.examples import stable_hash
from finetune.prompts import LABELS
from tests.conftest import shared_dataset, write_jsonl

BRANDS = ["Acme", "Zento", "Lumo", "Brisk"]
FORMS = ["Cream", "Oil", "Gel"]


def _toy_folder(root: Path, users: int = 30) -> Path:
    rng = random.Random(3)
    items = [{"item_id": f"i{n}", "title": f"Item {n} {FORMS[n % 3]} for skin, size {n}",
              "categories": ["Beauty", ["Face", "Body"][n % 2], ["Creams", "Oils", "Gels"][n % 3]],
              "brand": BRANDS[n % 4], "price": 5.0 + n, "attributes": {"Item Form": FORMS[n % 3], "Scent": "Rose"},
              "rating": 4.0, "rating_count": 10} for n in range(60)]
    events, reviews = [], []
    for u in range(users):
        for step in range(rng.randint(2, 6)):
            item = f"i{rng.randrange(60)}"
            events.append({"user_id": f"user{u}", "item_id": item, "type": "purchase", "ts": 1000 * u + step})
            reviews.append({"user_id": f"user{u}", "item_id": item, "rating": 5,
                            "text": f"Lovely product from user{u}, really smooth on the skin.", "ts": 1000 * u + step})
    write_jsonl(root / "items.jsonl", items + ["{broken json"])
    write_jsonl(root / "events.jsonl", events + [{"user_id": "x"}])
    write_jsonl(root / "reviews.jsonl", reviews)
    return root


def _rows(out: Path, split: str) -> list[dict]:
    dataset = load_split(out, split)
    return [] if dataset is None else list(dataset)


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("toy")
    source = _toy_folder(root / "data")
    manifest = build_training_data(source, root / "out", DataConfig(test_user_share=0.3))
    return source, root / "out", manifest


def test_every_task_present_and_bad_lines_counted(toy):
    _, out, manifest = toy
    assert set(manifest["counts"]["train"]) == {"understanding", "ranking", "explanation", "dialogue"}
    assert manifest["counts"]["test"]["ranking"] > 0
    assert manifest["skipped_lines"] == 2          # the broken item line and the event without item/ts


def test_understanding_targets_are_valid_constraints_grounded_in_the_catalog(toy):
    source, out, _ = toy
    folder = load_dataset_folder(source)
    brands = {item.brand for item in folder.items.values()}
    categories = {c for item in folder.items.values() for c in item.categories}
    values = {(k, v) for item in folder.items.values() for k, v in item.attributes.items()}
    rows = [r for split in ("train", "test") for r in _rows(out, split) if r["task"] == "understanding"]
    assert rows
    for row in rows:
        constraints = Constraints.model_validate_json(row["completion"][0]["content"])
        assert set(constraints.brands) | set(constraints.exclude_brands) <= brands
        assert constraints.category is None or constraints.category in categories
        assert set(constraints.attributes.items()) <= values


def test_no_user_or_item_leaks_from_test_into_training(toy):
    _, out, _ = toy
    train = _rows(out, "train") + _rows(out, "validation")
    test = _rows(out, "test")
    assert {r["group"] for r in train}.isdisjoint({r["group"] for r in test})
    test_users = {r["group"] for r in test if r["task"] == "ranking"}
    train_text = " ".join(r["prompt"][-1]["content"] for r in train)
    for row in test:
        if row["task"] == "ranking":
            assert row["group"] not in {r["group"] for r in train}
    # review snippets of held-out users never appear in training prompts
    held_out = {g.split(":")[1] for g in test_users}
    for user in range(30):
        if stable_hash(f"user{user}") in held_out:
            assert f"user{user}," not in train_text


def test_training_targets_come_before_each_users_validation_target(toy):
    _, out, _ = toy
    validation_ts = {r["group"]: json.loads(r["meta"])["ts"] for r in _rows(out, "validation") if r["task"] == "ranking"}
    train = [r for r in _rows(out, "train") if r["task"] == "ranking"]
    assert train
    for row in train:
        assert json.loads(row["meta"])["ts"] < validation_ts[row["group"]]


def test_every_ranking_target_exists_and_its_label_points_at_it(toy):
    source, out, _ = toy
    items = load_dataset_folder(source).items
    for split in ("train", "validation", "test"):
        for row in (r for r in _rows(out, split) if r["task"] == "ranking"):
            meta = json.loads(row["meta"])
            assert meta["target"] in items and all(c in items for c in meta["candidates"])
            assert len(set(meta["candidates"])) == len(meta["candidates"])
            label = row["completion"][0]["content"]
            assert meta["candidates"][LABELS.index(label)] == meta["target"]
            title_words = items[meta["target"]].title.split()[:3]
            assert f"{label}. {' '.join(title_words)}" in row["prompt"][-1]["content"]


def test_ranking_prompts_list_candidates_in_the_first_stage_order(toy, tmp_path):
    from finetune.candidate_order import HistoryMatchOrder

    source, out, _ = toy
    items = load_dataset_folder(source).items
    first_stage = HistoryMatchOrder(items[i] for i in sorted(items))
    rows = [r for split in ("train", "test") for r in _rows(out, split) if r["task"] == "ranking"]
    for row in rows:
        meta = json.loads(row["meta"])
        history = [items[i] for i in meta["history"] if i in items]
        scores = first_stage.scores(history, [items[c] for c in meta["candidates"]])
        assert scores == sorted(scores, reverse=True)
    # the toy titles share words, so the order is not trivially the given one; shuffled lists are not sorted
    shuffled = build_training_data(source, tmp_path / "shuffled", DataConfig(test_user_share=0.3, candidate_order="shuffled"))
    assert shuffled["counts"] == _counts(out)
    unsorted = 0
    for row in (r for r in _rows(tmp_path / "shuffled", "train") if r["task"] == "ranking"):
        meta = json.loads(row["meta"])
        scores = first_stage.scores([items[i] for i in meta["history"]], [items[c] for c in meta["candidates"]])
        unsorted += scores != sorted(scores, reverse=True)
    assert unsorted > 0


def test_explanation_rows_are_the_assistant_s_prompt_and_pass_its_guard(toy):
    """An explanation example is the chat the assistant sends for that item (its prompt, facts picked
    as in the chat turn), and the target continues the assistant's prefilled "It" with a sentence its
    own faithfulness guard accepts."""
    from agent.explanation.facts import item_facts
    from agent.explanation.faithfulness import FaithfulnessGuard
    from agent.explanation.prompt import PREFIX, explanation_messages
    from agent.understanding.vocabulary import CatalogVocabulary

    source, out, _ = toy
    items = load_dataset_folder(source).items
    guard = FaithfulnessGuard(CatalogVocabulary.from_items(items.values()))
    rows = [r for split in ("train", "test") for r in _rows(out, split) if r["task"] == "explanation"]
    assert rows and any(json.loads(r["meta"])["snippets"] for r in rows)
    for row in rows:
        meta = json.loads(row["meta"])
        item = items[meta["item"]]
        facts = item_facts(item, meta["snippets"])
        served = explanation_messages(facts, item.categories[-1].lower(), profile=meta["profile"])
        assert row["prompt"] == served[:2] and served[2]["content"] == PREFIX
        sentence = row["completion"][0]["content"]
        assert sentence.startswith(PREFIX + " ")
        assert guard.check(sentence, facts).faithful and guard.states_a_fact(sentence, facts), sentence


def _counts(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["counts"]


def test_a_folder_without_items_is_a_clear_error(tmp_path):
    from shopwise.errors import UserFacingError

    (tmp_path / "empty").mkdir()
    with pytest.raises(UserFacingError, match="items.jsonl"):
        build_training_data(tmp_path / "empty", tmp_path / "out")


@pytest.mark.shared_data
def test_real_data_set_uses_the_fixed_candidate_lists_for_held_out_users(tmp_path):
    source = shared_dataset("amazon-all-beauty")
    manifest = build_training_data(source, tmp_path / "out")
    folder = load_dataset_folder(source)
    protocol = {stable_hash(c.user_id): c for c in folder.candidates}
    test = [r for r in _rows(tmp_path / "out", "test") if r["task"] == "ranking"]
    assert len(test) == manifest["counts"]["test"]["ranking"] > 10
    for row in test:
        meta = json.loads(row["meta"])
        listed = protocol[meta["user"]]
        assert meta["target"] == listed.target and set(meta["candidates"]) == {listed.target, *listed.negatives}
    train_users = {r["group"] for r in _rows(tmp_path / "out", "train") if r["task"] == "ranking"}
    assert train_users.isdisjoint({r["group"] for r in test})


def test_the_cli_builds_data_with_the_chosen_candidate_order(toy, tmp_path, monkeypatch):
    from shopwise.cli import main

    source, _, _ = toy
    monkeypatch.setenv("SHOPWISE_HOME", str(tmp_path / "home"))
    assert main(["finetune", "data", "--data", str(source), "--out", str(tmp_path / "out"),
                 "--candidate-order", "shuffled"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["config"]["candidate_order"] == "shuffled" and manifest["format"] >= 3
    with pytest.raises(SystemExit):
        main(["finetune", "data", "--data", str(source), "--out", str(tmp_path / "x"), "--candidate-order", "best"])
