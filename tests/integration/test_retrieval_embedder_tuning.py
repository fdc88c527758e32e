"""`shopwise finetune embedder` on the bundled MiniLM, then `eval retrieval` scores only its held-out queries."""

import json

import numpy as np
import pytest

from retrieval.embedder_tuning import read_tuning_card
from shopwise.cli import main
from tests.catalog_samples import KINDS, sample_items
from tests.conftest import write_jsonl


@pytest.fixture
def shop(tmp_path):
    folder = tmp_path / "shop"
    items = sample_items(60)
    write_jsonl(folder / "items.jsonl", items)
    by_kind = {kind: [i["item_id"] for i in items if kind in i["title"]] for kind, _, _ in KINDS}
    intents = ["something to click with", "typing all day", "quiet flights", "power for my laptop", "office printing",
               "a pointer for the desk", "keys that click", "music on the train", "fast charging", "print supplies"]
    queries = [{"query_id": f"q{n}", "text": text, "relevant": {i: 1 for i in by_kind[KINDS[n % 5][0]][n // 5 * 3:][:3]}}
               for n, text in enumerate(intents)]
    write_jsonl(folder / "queries.jsonl", queries)
    events = [{"user_id": f"u{n}", "item_id": item, "type": "purchase", "ts": n, "session_id": "s"}
              for n in range(12) for item in (by_kind["wireless mouse"][n], by_kind["mechanical keyboard"][n])]
    write_jsonl(folder / "events.jsonl", events)
    return folder


@pytest.mark.slow
def test_tune_then_evaluate_on_the_held_out_queries_only(cli_home, shop, tmp_path, capsys):
    model = tmp_path / "tuned"
    assert main(["--home", str(cli_home), "finetune", "embedder", "--data", str(shop), "--out", str(model),
                 "--held-out", "0.3", "--learning-rate", "1e-4", "--co-purchases"]) == 0
    card = read_tuning_card(model)
    assert (model / "config.json").is_file() and (model / "README.md").is_file()
    assert not model.with_name("tuned.partial").exists()     # weights and split moved in together
    assert len(card["held_out_query_ids"]) == 3 and card["steps"] >= 1 and card["losses"]
    assert card["co_purchase_pairs"] == 12 and card["query_pairs"] == 3 * card["training_queries"]

    from sentence_transformers import SentenceTransformer
    from retrieval.embeddings import bundled_model_path
    texts = ["something to click with", "Sony wireless mouse model 5"]
    tuned = SentenceTransformer(str(model), device="cpu").encode(texts)
    base = SentenceTransformer(str(bundled_model_path()), device="cpu").encode(texts)
    assert not np.allclose(tuned, base, atol=1e-4)           # training changed the weights

    out = tmp_path / "tuned.json"
    assert main(["--home", str(cli_home), "--embedder", str(model), "--embedder-backend", "torch",
                 "eval", "retrieval", "--data", str(shop), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["queries"] == 3 and "held-out" in result["learned_from_evaluated_folder"]
    baseline = tmp_path / "base.json"
    assert main(["--home", str(cli_home), "--embedder-backend", "torch", "eval", "retrieval", "--data", str(shop),
                 "--held-out-of", str(model), "--json", str(baseline)]) == 0
    assert json.loads(baseline.read_text())["queries"] == 3
    capsys.readouterr()
    assert main(["--home", str(cli_home), "--embedder-backend", "torch", "eval", "retrieval", "--data", str(shop),
                 "--held-out-of", str(tmp_path)]) == 2            # not a tuned model: no split to take
    assert "not an embedder tuned on this folder" in capsys.readouterr().err

    # The folder changed since tuning: which queries the model saw can no longer be told.
    with open(shop / "queries.jsonl", "a") as handle:
        handle.write(json.dumps({"query_id": "new", "text": "a mouse", "relevant": {"i000": 1}}) + "\n")
    capsys.readouterr()
    assert main(["--home", str(cli_home), "--embedder", str(model), "--embedder-backend", "torch",
                 "eval", "retrieval", "--data", str(shop)]) == 2
    assert "earlier version" in capsys.readouterr().err


@pytest.mark.slow
def test_a_folder_without_queries_or_sessions_is_a_clear_error(cli_home, tmp_path, capsys):
    folder = tmp_path / "bare"
    write_jsonl(folder / "items.jsonl", sample_items(10))
    assert main(["--home", str(cli_home), "finetune", "embedder", "--data", str(folder), "--out", str(tmp_path / "m")]) == 2
    assert "training pairs" in capsys.readouterr().err
