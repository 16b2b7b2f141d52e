"""The prepared accelerator check runs end to end at tiny sizes on a CPU (issue 27).

``benchmarks/device_check.py OUT --tiny`` is what would run on a lent GPU machine, at
sizes a 2-core CPU finishes in about a minute; running it here keeps it from rotting
between loans. What it measures here is not a claim (tiny models, parts side by side).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "device_check.py"
PARTS = ("translation", "alignment", "training", "ray")


@pytest.mark.slow
def test_tiny_device_check_writes_a_result_for_every_part(shared_data, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(out), "--tiny", "--work-dir", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "checking what is installed" in proc.stdout
    result = json.loads((out / "device_check.json").read_text(encoding="utf8"))
    assert result["name"] == "device_check"
    assert result["kind"] == "device-check"
    assert result["provenance"] == "measured"
    assert result["figures"]["tiny"] is True
    assert result["machine"]["cpu_count"] >= 1
    assert "gpus" in result["machine"]
    assert result["commit"]
    env = result["figures"]["environment"]
    assert set(env["modules"]) >= {"torch", "transformers", "ctranslate2", "ray", "eflomal"}
    # Only the JSON results go to OUT: the models stay in the work folder.
    assert {p.name for p in out.rglob("*") if p.is_file()} <= {
        "device_check.json",
        *(f"{part}.json" for part in PARTS),
    }
    for part in PARTS:
        entry = result["figures"][part]
        if entry["status"] == "skipped":
            assert entry["reason"], part
            continue
        assert entry["status"] == "ok", (part, entry)
        measured = {k: v for k, v in entry["figures"].items() if k != "setup"}
        assert measured, (part, entry)
    figures = {part: result["figures"][part].get("figures", {}) for part in PARTS}
    if result["figures"]["translation"]["status"] == "ok":
        row = figures["translation"]["hf-float32-batch4"]
        assert row["sentences_per_s"] > 0
        # every batch decodes exactly its longest source + 2 tokens
        assert row["output_tokens_per_sentence"] > row["source_tokens_per_sentence"]
    if result["figures"]["alignment"]["status"] == "ok":
        same = figures["alignment"]["tiny-random-links-identical"]
        assert same == {"sides": ["cpu", "cpu-batch1"], "pairs": 8, "of": 8}
    if result["figures"]["training"]["status"] == "ok":
        assert figures["training"]["xlmr-base"]["steps"] >= 1
        assert figures["training"]["xlmr-base"]["words_per_s"] > 0
    if result["figures"]["ray"]["status"] == "ok":
        assert figures["ray"]["ray-2"]["wall_s"] > 0


def test_a_part_whose_needs_are_missing_is_skipped_with_the_reason():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import device_check

    pre = {
        "modules": dict.fromkeys(device_check.MODULES, "1.0") | {"ray": None, "cupy": None},
        "cuda": False,
        "conll2003": True,
        "conll2002": True,
        "europarl": True,
    }
    assert device_check.skip_reason("ray", pre, tiny=True).startswith("not installed: ray (")
    assert device_check.skip_reason("translation", pre, tiny=False) == (
        "no CUDA GPU (torch.cuda.is_available() is False); --tiny runs it on the CPU"
    )
    assert device_check.skip_reason("translation", pre, tiny=True) is None
    pre["cuda"] = True
    assert device_check.skip_reason("training", pre, tiny=False) == (
        "spaCy needs cupy on a GPU (spacy.require_gpu): pip install cupy-cuda12x"
    )


def test_pack_data_copies_the_files_of_the_parts(shared_data, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "packed"), "--pack-data",
         "--parts", "alignment"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    files = sorted(str(p.relative_to(tmp_path / "packed")) for p in tmp_path.rglob("*.*"))
    assert files == [
        "conll2002/esp.train",
        "conll2003/train.txt",
        "europarl_ner/en-europarl.test.conll02",
        "europarl_ner/es-europarl.test.conll02",
    ]
    europarl = "europarl_ner/en-europarl.test.conll02"
    assert (tmp_path / "packed" / europarl).read_bytes() == (shared_data / europarl).read_bytes()
