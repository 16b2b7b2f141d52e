"""WikiANN es translate-test through `spacy project`, with the `wikiann` preset.

    python benchmarks/workflow_wikiann.py [--max-steps 4000] [--no-result]

Runs the project's own steps as a user would (assets-lang, convert, train-source with the
entity-fragments augmenter, translate-test with ``--vars.preset wikiann``) and records the
test-set scores that translate-test's metrics file holds, with the source model's
training record and the steps' wall times (``metrics/es/times.json``). A step whose
outputs are up to date is skipped by weasel, as in any rerun: then the times recorded
are those of the run that made them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, Recorder  # noqa: E402

SOURCE = {
    "src_name": "conll2003",
    "src_train": "assets/data/conll2003/train.txt",
    "src_dev": "assets/data/conll2003/dev.txt",
    "src_licence": "CoNLL-2003",
    "eval_frequency": "200",
    "src_patience": "1600",
    "src_fragments": "0.5",
}
TEST = {
    "test_name": "wikiann",
    "test_gold": "assets/data/wikiann/es/test",
    "test_labels": "PER,ORG,LOC",
    "preset": "wikiann",
}


def project_run(command: str, variables: dict[str, str]) -> None:
    args = [sys.executable, "-m", "spacy", "project", "run", command, str(ROOT)]
    args += [f"--vars.{key}={value}" for key, value in variables.items()]
    print("$", " ".join(args[1:]), flush=True)
    subprocess.run(args, check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-steps", default="4000", help="Source model's training steps")
    parser.add_argument("--no-result", action="store_true", help="Print only")
    args = parser.parse_args()
    rec = Recorder("workflow_wikiann")
    source = {**SOURCE, "max_steps": args.max_steps}
    project_run("assets-lang", {"lang": "es"})
    for command in ("convert", "train-source"):
        project_run(command, source)
    project_run("translate-test", {**source, **TEST})
    metrics = json.loads((ROOT / "metrics/es/wikiann/translate-test-heuristic.json").read_text())
    times = json.loads((ROOT / "metrics/es/times.json").read_text())
    rows = [["micro", *(f"{metrics['micro'][k]:.4f}" for k in ("precision", "recall", "f1"))]]
    for label, score in sorted(metrics["per_label"].items()):
        rows.append([label, *(f"{score[k]:.4f}" for k in ("precision", "recall", "f1"))])
    rec.table("scores", ["WikiANN es test", "P", "R", "F1"], rows)
    rec.figures = {
        "f1": round(metrics["micro"]["f1"], 4),
        "source_training": metrics.get("training"),
        "seconds": {k: v for k, v in times.items() if "wikiann" in k or "conll2003" in k},
    }
    rec.notes.append(
        "translate-test of WikiANN es test (10,000 sentences) with Apertium spa-eng, "
        "eflomal, the heuristic method and `--preset wikiann`, tagged by the CPU CNN "
        f"source model trained {args.max_steps} steps on CoNLL-2003 with entity fragments "
        "(src_fragments 0.5); all through `spacy project run`."
    )
    if args.no_result:
        rec.finish(argparse.Namespace(no_result=True))
    else:
        rec.finish(argparse.Namespace(no_result=False, results_dir=None))


if __name__ == "__main__":
    main()
