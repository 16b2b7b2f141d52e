"""Build the project's report from every metrics file: table, plot and HTML samples.

    python scripts/report.py --metrics metrics --corpus corpus --output reports

Reads ``metrics/<lang>/<test>/<system>.json`` (written by the ``evaluate``,
``translate-test``, ``baseline`` and ``supervised`` commands; ``system`` is
``translate-train-<method>``, ``translate-test-<method>``, ``student-<round>``,
``student-reviewed``, ``zero-shot`` or ``supervised``), the projection statistics under
``corpus/`` and the step times in ``metrics/<lang>/times.json``, and writes:

- ``reports/metrics.md``: one row per language, test set and system: P/R/F1
  (micro) and F1 by label, projection rate, time, training steps and convergence
  (the ``training`` key that ``evaluate --training`` copies in); then the error
  analysis of each system (the ``errors`` key): confusion table, boundary errors,
  most frequent missed and spurious entities;
- ``reports/f1.png``: micro F1 by language/test set and system;
- ``reports/index.html``: the table, the plot, the error analysis and displaCy
  renderings of sampled test sentences (gold beside each system's prediction,
  mismatches marked) and of sampled source sentences beside their projected
  translations.
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

# Students (pseudo-label rounds) come after the teachers they learn from.
SYSTEM_ORDER = ("supervised", "translate-train", "translate-test", "student", "zero-shot")
# How many missed and spurious entity strings the report shows per system.
TOP_ERRORS = 10
# The review round's student (student-<method>-reviewed) comes after every round.
REVIEWED_ROUND = 99


@dataclass
class Row:
    lang: str
    test: str
    system: str
    scores: dict[str, Any]
    rate: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def _student(self) -> re.Match[str] | None:
        # student-<round>, or student-<method>-<round> (the workflow's students; the round
        # of the reviewed student is "reviewed")
        return re.fullmatch(r"student-(?:(.+)-)?(\d+|reviewed)", self.system)

    @property
    def method(self) -> str:
        for prefix in ("translate-train-", "translate-test-"):
            if self.system.startswith(prefix):
                return self.system[len(prefix) :]
        student = self._student
        return (student.group(1) or "") if student else ""

    @property
    def round(self) -> int | None:
        """The pseudo-labelling round of a student system."""
        student = self._student
        if student is None:
            return None
        return REVIEWED_ROUND if student.group(2) == "reviewed" else int(student.group(2))

    @property
    def kind(self) -> str:
        """The system without its method or round: ``translate-train``, ``student``..."""
        if self.round is not None:
            return "student"
        return self.name

    @property
    def name(self) -> str:
        """The system column of the table: the system without its method."""
        if self.round is not None:
            return "student-reviewed" if self.round == REVIEWED_ROUND else f"student-{self.round}"
        return self.system[: -len(self.method) - 1] if self.method else self.system

    @property
    def training(self) -> dict[str, Any]:
        """What ``evaluate --training`` copied from the training run (empty without it)."""
        return self.scores.get("training") or {}

    @property
    def f1(self) -> float:
        return float(self.scores["micro"]["f1"])


def system_key(system: str) -> tuple[int, int, str]:
    """Sort key of a system name: by kind (``SYSTEM_ORDER``), student rounds by number."""
    row = Row("", "", system, {})
    order = {name: i for i, name in enumerate(SYSTEM_ORDER)}
    return order.get(row.kind, len(order)), row.round or 0, row.method or system


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf8"))


def projection_rate(stats: dict[str, Any]) -> float | None:
    """Share of source entities with a projected span (None without entities)."""
    stats = stats.get("projection", stats)  # the CLI nests the counts under "projection"
    total = stats.get("source_entities", 0)
    return stats.get("projected", 0) / total if total else None


def model_run(summary_path: Path) -> str:
    """The training run (``training/<lang>/<run>/model-best``) behind a predictions file."""
    if not summary_path.exists():
        return ""
    return Path(read_json(summary_path).get("model", "")).parent.name


def collect(metrics_dir: Path, corpus_dir: Path) -> list[Row]:
    """Every scored run under ``metrics_dir``, with its projection rate and times."""
    rows = []
    for path in sorted(metrics_dir.glob("*/*/*.json")):
        lang, test, system = path.parent.parent.name, path.parent.name, path.stem
        row = Row(lang, test, system, read_json(path))
        times_path = metrics_dir / lang / "times.json"
        times = read_json(times_path) if times_path.exists() else {}
        if row.kind == "translate-train":
            run = model_run(corpus_dir / lang / test / f"pred-{system}.iob.json")
            for stats in corpus_dir.glob(f"{lang}/*-{row.method}/stats.json"):
                if run.startswith(stats.parent.name + "-"):
                    row.rate = projection_rate(read_json(stats))
                    step = f"translate-train-{stats.parent.name}"
                    if step in times:
                        row.seconds["translate"] = times[step]
            if f"train-{run}" in times:
                row.seconds["train"] = times[f"train-{run}"]
        elif row.kind == "translate-test":
            stats_path = corpus_dir / lang / test / f"stats-translate-test-{row.method}.json"
            if stats_path.exists():
                row.rate = projection_rate(read_json(stats_path))
            step = f"translate-test-{test}-{row.method}"
            if step in times:
                row.seconds["translate-test"] = times[step]
        elif row.kind == "student":
            # timed.py's steps of round k: pseudo-label-<method>-<k> and student-<method>-<k>
            step = "pseudo-label-" + system.removeprefix("student-")
            if step in times:
                row.seconds["pseudo-label"] = times[step]
            if system in times:
                row.seconds["train"] = times[system]
        elif row.kind == "supervised":
            for key, value in times.items():
                if key.startswith("train-supervised-"):
                    row.seconds["train"] = value
        rows.append(row)
    rows.sort(key=lambda r: (r.lang, r.test, system_key(r.system)))
    return rows


def markdown_table(rows: list[Row]) -> str:
    """A markdown table: one row per run, F1 by label, projection rate, time and training."""
    labels = sorted({label for r in rows for label in r.scores.get("per_label", {})})
    head = ["lang", "test set", "system", "method", "P", "R", "F1", *labels, "projected", "time"]
    head += ["steps", "converged"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        micro = r.scores["micro"]
        per_label = r.scores.get("per_label", {})
        cells = [
            r.lang,
            r.test,
            r.name,
            r.method or "–",
            f"{micro['precision'] * 100:.1f}",
            f"{micro['recall'] * 100:.1f}",
            f"**{micro['f1'] * 100:.1f}**",
            *(f"{per_label[lab]['f1'] * 100:.1f}" if lab in per_label else "–" for lab in labels),
            f"{r.rate * 100:.1f}%" if r.rate is not None else "–",
            " + ".join(f"{k} {v:.0f}s" for k, v in r.seconds.items()) or "–",
            str(r.training["steps"]) if r.training.get("steps") is not None else "–",
            _yes_no(r.training.get("converged")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _yes_no(value: Any) -> str:
    return "–" if value is None else ("yes" if value else "no")


def error_sections(rows: list[Row]) -> list[tuple[str, str]]:
    """(title, text) of each run's error analysis, in the table's order.

    The text is the ``evaluate`` command's own rendering of the ``errors`` key, so the
    console and the report agree; metrics files written before it exist say so.
    """
    from spacy_xlproj.evaluate import ErrorAnalysis

    sections = []
    for r in rows:
        title = f"{r.lang} / {r.test} / {r.system}"
        if "errors" in r.scores:
            text = ErrorAnalysis.from_dict(r.scores["errors"]).table(top=TOP_ERRORS)
        else:
            text = "No error analysis in this metrics file: re-run `evaluate` to add it."
        sections.append((title, text))
    return sections


def errors_markdown(rows: list[Row]) -> str:
    """The "Error analysis" section of metrics.md: one block per run."""
    parts = ["## Error analysis\n"]
    for title, text in error_sections(rows):
        parts.append(f"### {title}\n\n```\n{text}\n```\n")
    return "\n".join(parts)


def errors_html(rows: list[Row]) -> str:
    """The "Error analysis" section of index.html."""
    parts = ["<h2>Error analysis</h2>"]
    for title, text in error_sections(rows):
        parts.append(f"<h3>{html.escape(title)}</h3><pre>{html.escape(text)}</pre>")
    return "\n".join(parts)


def plot_f1(rows: list[Row], path: Path) -> None:
    """Grouped bars: micro F1 (%) per language/test set, one bar per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = sorted({(r.lang, r.test) for r in rows})
    systems = sorted({r.system for r in rows}, key=system_key)
    width = 0.8 / max(1, len(systems))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(groups) * max(1, len(systems)) / 3), 4))
    for i, system in enumerate(systems):
        xs, ys = [], []
        for g, (lang, test) in enumerate(groups):
            match = [r for r in rows if (r.lang, r.test, r.system) == (lang, test, system)]
            if match:
                xs.append(g + (i - (len(systems) - 1) / 2) * width)
                ys.append(match[0].f1 * 100)
        bars = ax.bar(xs, ys, width * 0.95, label=system)
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([f"{lang}\n{test}" for lang, test in groups])
    ax.set_ylabel("entity F1 (%)")
    ax.set_ylim(0, 100)
    ax.set_title("NER F1 by language, test set and system")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render(words: list[str], spans: list[Any], lang: str = "xx") -> str:
    """displaCy's entity markup of a tokenised sentence."""
    from spacy import displacy

    text, ents, offset = [], [], 0
    starts = []
    for w in words:
        starts.append(offset)
        text.append(w)
        offset += len(w) + 1
    for s in sorted(spans):
        ents.append(
            {
                "start": starts[s.start],
                "end": starts[s.end - 1] + len(words[s.end - 1]),
                "label": s.label,
            }
        )
    data = {"text": " ".join(text), "ents": ents, "title": None}
    return displacy.render(data, style="ent", manual=True, page=False, jupyter=False)


def sample_indices(n: int, k: int, seed: int = 0) -> list[int]:
    return sorted(random.Random(seed).sample(range(n), min(k, n)))


def test_samples(lang: str, test: str, corpus_dir: Path, gold_path: Path | None, k: int) -> str:
    """Gold test sentences beside each system's prediction; mismatches are marked."""
    from spacy_xlproj.io import read_sentences

    preds = sorted((corpus_dir / lang / test).glob("pred-*.iob"))
    preds = [p for p in preds if not p.stem.endswith("-raw") and p.stem != "gold"]
    if gold_path is None or not preds:
        return ""
    gold = read_sentences(gold_path)
    systems = {p.stem[len("pred-") :]: read_sentences(p) for p in preds}
    parts = [f"<h3>{html.escape(lang)} / {html.escape(test)}: gold vs. predictions</h3>"]
    for i in sample_indices(len(gold), k):
        parts.append("<div class='sample'><div class='label'>gold</div>")
        parts.append(render(gold[i].words, gold[i].spans, lang))
        for name, sentences in systems.items():
            if i >= len(sentences):
                continue
            ok = set(sentences[i].spans) == set(gold[i].spans)
            cls = "ok" if ok else "mismatch"
            parts.append(
                f"<div class='{cls}'><div class='label'>{html.escape(name)}"
                f"{'' if ok else ' — differs from gold'}</div>"
            )
            parts.append(render(sentences[i].words, sentences[i].spans, lang) + "</div>")
        parts.append("</div>")
    return "\n".join(parts)


def projection_samples(lang: str, corpus_dir: Path, k: int) -> str:
    """Sampled source sentences beside their projected translations."""
    from spacy_xlproj.io import read_sentences

    parts = []
    for projected in sorted(corpus_dir.glob(f"{lang}/*-*/train.spacy")):
        run = projected.parent.name
        sources = [
            p for p in corpus_dir.glob("*/*/train.spacy") if run.startswith(p.parent.name + "-")
        ]
        sources = [p for p in sources if p.parent.parent.name != lang]
        if not sources:
            continue
        src = read_sentences(sources[0])
        tgt = read_sentences(projected)
        if len(src) != len(tgt):
            parts.append(
                f"<p>{html.escape(run)}: {len(tgt)} projected sentences for {len(src)} source "
                "sentences (some were dropped), so they cannot be shown side by side.</p>"
            )
            continue
        parts.append(f"<h3>{html.escape(lang)}: {html.escape(run)} (source → projected)</h3>")
        for i in sample_indices(len(src), k):
            lost = len(tgt[i].spans) < len(src[i].spans)
            cls = "mismatch" if lost else "ok"
            parts.append(f"<div class='sample pair {cls}'><div>")
            parts.append(render(src[i].words, src[i].spans) + "</div><div>")
            parts.append(render(tgt[i].words, tgt[i].spans, lang) + "</div></div>")
    return "\n".join(parts)


STYLE = """
body { font-family: sans-serif; margin: 2em; max-width: 1200px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 3px 8px; }
.sample { border: 1px solid #ddd; margin: 1em 0; padding: 0.5em; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.mismatch { border-left: 6px solid #d33; padding-left: 0.5em; }
.ok { border-left: 6px solid #3a3; padding-left: 0.5em; }
.label { font-size: 0.8em; color: #555; }
"""


def markdown_to_html(table: str) -> str:
    lines = [line for line in table.strip().splitlines() if not line.startswith("|---")]
    out = ["<table>"]
    for i, line in enumerate(lines):
        cells = [c.strip().replace("**", "") for c in line.strip("|").split("|")]
        tag = "th" if i == 0 else "td"
        out.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>")
    return "\n".join(out + ["</table>"])


def build_report(
    metrics_dir: Path,
    corpus_dir: Path,
    output: Path,
    gold: dict[tuple[str, str], Path] | None = None,
    samples: int = 8,
) -> list[Row]:
    """Write metrics.md, f1.png and index.html under ``output``; return the rows."""
    rows = collect(metrics_dir, corpus_dir)
    output.mkdir(parents=True, exist_ok=True)
    table = markdown_table(rows)
    markdown = table + ("\n" + errors_markdown(rows) if rows else "")
    (output / "metrics.md").write_text(markdown, encoding="utf8")
    if rows:
        plot_f1(rows, output / "f1.png")
    body = ["<h1>spacy-xlproj report</h1>", markdown_to_html(table)]
    if rows:
        body.append("<h2>F1</h2><img src='f1.png' alt='F1 by language and system'>")
        body.append(errors_html(rows))
    body.append("<h2>Samples</h2>")
    gold = gold or {}
    for lang, test in sorted({(r.lang, r.test) for r in rows}):
        gold_path = gold.get((lang, test)) or find_gold(corpus_dir, lang, test)
        body.append(test_samples(lang, test, corpus_dir, gold_path, samples))
    for lang in sorted({r.lang for r in rows}):
        body.append(projection_samples(lang, corpus_dir, samples))
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>spacy-xlproj report</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>"
    )
    (output / "index.html").write_text(page, encoding="utf8")
    return rows


def find_gold(corpus_dir: Path, lang: str, test: str) -> Path | None:
    """The copy of the gold test set that the baseline and translate-test commands keep."""
    path = corpus_dir / lang / test / "gold.iob"
    return path if path.exists() else None


def main(
    metrics: Path = typer.Option(Path("metrics"), "--metrics", help="Metrics folder"),
    corpus: Path = typer.Option(Path("corpus"), "--corpus", help="Corpus folder"),
    output: Path = typer.Option(Path("reports"), "--output", help="Report folder"),
    samples: int = typer.Option(8, "--samples", help="Sentences to show per test set"),
) -> None:
    rows = build_report(metrics, corpus, output, samples=samples)
    typer.echo(markdown_table(rows))
    typer.echo(f"Wrote {output / 'metrics.md'}, {output / 'f1.png'} and {output / 'index.html'}")


if __name__ == "__main__":
    typer.run(main)
