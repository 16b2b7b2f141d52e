"""Which teachers, and which vote, make the best pseudo-labels? Scored on a labelled dev set.

Each teacher labels the dev set's words once (its labels are not shown to them); then
every vote of interest is scored against the gold labels with
``evaluate.taught_quality``: each teacher alone, each pair that must agree, and (with
three or more teachers) the majority (``agreement`` 0.6), each with and without
``--harmonize-labels first``; ``--all-agreement`` adds votes of all teachers, whose
weights (``KIND:MODEL@WEIGHT``) then count. A student is then trained only with the
vote chosen here: a pseudo-labelling run costs minutes, a student half an hour.

    python benchmarks/vote_study.py --lang eu --gold assets/data/wikiann/eu/dev \\
        --teacher translate-test:training/en/conll2003-frag-ner_cnn/model-best \\
        --teacher translate-test:training/en/conll2003-ner_cnn/model-best \\
        --teacher zero-shot:training/en/conll2003-frag-ner_cnn/model-best \\
        --expand-names --ignore-wiki-markup --labels PER,ORG,LOC

Translate-test teachers use heuristic projection with the default options, plus
``--expand-names`` when given (the WikiANN setting). ``--drop-lowercase-spans`` applies
pseudo-label's lower-case filter to every vote, as a student run with it would learn
(an uncased teacher also tags lower-case words).
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence
from pathlib import Path

from harness import main_recorded

from spacy_xlproj.evaluate import TaughtQuality, taught_quality
from spacy_xlproj.io.columns import read_columns
from spacy_xlproj.teach.ensemble import ScoredSpan
from spacy_xlproj.teach.pseudo_labels import EnsembleOptions, pseudo_label
from spacy_xlproj.transfer.span_filters import SpanFilter
from spacy_xlproj.types import Span

ROOT = Path(__file__).resolve().parents[1]


class Recorded:
    """A teacher's labels of the whole dev set, handed out batch by batch."""

    def __init__(self, name: str, labels: list[list[ScoredSpan]], weight: float) -> None:
        self.name = name
        self.weight = weight
        self.labels = labels
        self.at = 0

    def label(self, sentences: Sequence[Sequence[str]]) -> list[list[ScoredSpan]]:
        out = self.labels[self.at : self.at + len(sentences)]
        self.at += len(sentences)
        return out


def score(
    words: list[list[str]],
    gold: list[list[Span]],
    recorded: dict[str, tuple[list[list[ScoredSpan]], float]],
    names: Sequence[str],
    options: EnsembleOptions,
    labels: set[str] | None,
) -> TaughtQuality:
    teachers = [Recorded(name, *recorded[name]) for name in names]
    results, _ = pseudo_label(words, teachers, options)
    spans, missing = [], []
    for result in results:
        mask = [False] * len(result.words)
        for i in result.missing:
            mask[i] = True
        spans.append([Span(s.start, s.end, s.label) for s in result.spans])
        missing.append(mask)
    return taught_quality(spans, missing, gold, labels)


def main() -> None:
    from spacy_xlproj.project.build import build_projector
    from spacy_xlproj.project.options import ProjectionOptions
    from spacy_xlproj.teach.teachers import build_teacher

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", required=True, help="Language of the dev set")
    parser.add_argument("--gold", type=Path, required=True, help="Labelled dev set (columns)")
    parser.add_argument("--teacher", action="append", required=True, help="As pseudo-label's")
    parser.add_argument("--labels", default="", help="Labels the dev set uses: PER,ORG,LOC")
    parser.add_argument("--expand-names", action="store_true", help="Translate-test option")
    parser.add_argument("--ignore-wiki-markup", action="store_true", help="Translate-test option")
    parser.add_argument(
        "--all-agreement",
        type=float,
        action="append",
        default=[],
        help="Also score the vote of all teachers at this agreement (repeatable; with "
        "weights, e.g. translate-test:MODEL@2)",
    )
    parser.add_argument(
        "--drop-lowercase-spans",
        action="store_true",
        help="pseudo-label's option: accepted spans without an upper-case letter become O",
    )
    parser.add_argument("--cache-dir", type=Path, default=ROOT / ".cache" / "translations")
    args = parser.parse_args()
    labels = set(args.labels.split(",")) if args.labels else None
    span_filter = SpanFilter(drop_lowercase=args.drop_lowercase_spans)
    sentences = read_columns(args.gold)
    words = [list(s.words) for s in sentences]
    gold = [x.spans for x in sentences]
    projector = build_projector(ProjectionOptions(expand_names=args.expand_names), lang=args.lang)
    recorded: dict[str, tuple[list[list[ScoredSpan]], float]] = {}
    for spec in args.teacher:
        teacher = build_teacher(
            spec,
            tgt_lang=args.lang,
            projector=projector,
            cache_dir=args.cache_dir,
            ignore_wiki_markup=args.ignore_wiki_markup,
        )
        recorded[spec] = (teacher.label(words), teacher.weight)
    votes: list[tuple[tuple[str, ...], float]] = [((t,), 1.0) for t in args.teacher]
    votes += [(pair, 1.0) for pair in itertools.combinations(args.teacher, 2)]
    if len(args.teacher) >= 3:
        votes += [(trio, 0.6) for trio in itertools.combinations(args.teacher, 3)]
    votes += [(tuple(args.teacher), a) for a in args.all_agreement]
    print("| teachers | agreement | harmonize | P | R | F1 | gold taught O | missing words |")
    print("|---|---|---|---|---|---|---|---|")
    for names, agreement in votes:
        for harmonize in ("none", "first") if len(names) > 1 else ("none",):
            options = EnsembleOptions(
                agreement=agreement,
                harmonize=harmonize,  # type: ignore[arg-type]
                span_filter=span_filter,
            )
            q = score(words, gold, recorded, names, options, labels)
            m = q.accepted.micro
            print(
                f"| {' + '.join(names)} | {agreement:g} | {harmonize} | {m.precision:.3f} "
                f"| {m.recall:.3f} | {m.f1:.3f} | {q.gold_taught_outside} "
                f"| {q.missing_words / max(q.words, 1):.1%} |",
                flush=True,
            )
    print(f"\n{len(sentences)} sentences, {q.gold_entities} gold entities ({args.gold})")


if __name__ == "__main__":
    main_recorded("vote_study", main, kind="study")
