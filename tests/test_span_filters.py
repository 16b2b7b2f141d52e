"""Span filters (issue 11): lower-case spans and chosen labels, dropped and counted.

Projected Spanish data calls ``español`` or ``israelí`` MISC because English writes
``Spanish`` and ``Israeli`` with a capital. The filter itself, then translate-train with
it (Python API and command), through a fixed translator or a file of translations and
the lexical aligner: no MT system is needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.align.lexical import LexicalAligner
from spacy_xlproj.cli import app
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.teach.ensemble import ScoredSpan
from spacy_xlproj.transfer.span_filters import (
    SpanFilter,
    describe,
    filter_sentences,
    is_lowercase,
    parse_labels,
)
from spacy_xlproj.transfer.train import _LineWindow, translate_train
from spacy_xlproj.translate.file import FileTranslator
from spacy_xlproj.types import ProjectedSpan, Sentence, Span


def _words(text: str) -> list[str]:
    return text.split()


# Hand-written sentences (not dataset text).
WORDS = _words("El gobierno español dijo a EFE que Juan Pérez visitó 北京 en 1998 con su iPhone .")
SPANS = [
    Span(2, 3, "MISC"),  # español: lower case
    Span(5, 6, "ORG"),  # EFE
    Span(7, 9, "PER"),  # Juan Pérez
    Span(10, 11, "LOC"),  # 北京: an uncased script, kept
    Span(12, 13, "MISC"),  # 1998: no cased letter, kept
    Span(15, 16, "MISC"),  # iPhone: one capital is enough
]


@pytest.mark.parametrize(
    "words,expected",
    [
        (["español"], True),
        (["gobierno", "español"], True),
        (["europeos"], True),
        (["ß"], True),
        (["Juan", "Pérez"], False),
        (["EFE"], False),
        (["iPhone"], False),
        (["de", "Madrid"], False),
        (["ǅemal"], False),  # title case counts as upper case
        (["1998"], False),
        (["北京"], False),
        (["القاهرة"], False),
        (["1998", "北京"], False),
        ([], False),
    ],
)
def test_is_lowercase_only_where_the_script_has_case(words, expected):
    assert is_lowercase(words) is expected


def test_drop_lowercase_keeps_names_digits_and_uncased_scripts():
    counts: Counter[str] = Counter()
    kept = SpanFilter(drop_lowercase=True).apply(WORDS, SPANS, counts)
    assert kept == SPANS[1:]
    assert counts == {"lowercase": 1}
    lowercase_org = [Span(1, 3, "ORG")]  # "gobierno español"
    assert SpanFilter(drop_lowercase=True).apply(WORDS, lowercase_org, counts) == []
    assert counts == {"lowercase": 2}


def test_drop_labels_and_both_rules_count_each_span_once():
    counts: Counter[str] = Counter()
    kept = SpanFilter(drop_labels=("MISC",)).apply(WORDS, SPANS, counts)
    assert kept == [SPANS[1], SPANS[2], SPANS[3]]
    assert counts == {"label:MISC": 3}

    both = SpanFilter(drop_lowercase=True, drop_labels=("MISC", "LOC"))
    counts = both.new_counts()
    assert list(counts) == ["label:MISC", "label:LOC", "lowercase"]
    kept = both.apply(WORDS, [*SPANS, Span(1, 2, "ORG")], counts)  # gobierno
    assert kept == [SPANS[1], SPANS[2]]
    # español is MISC and lower case: counted once, under its label.
    assert dict(counts) == {"label:MISC": 3, "label:LOC": 1, "lowercase": 1}


def test_the_span_type_is_kept():
    projected = [ProjectedSpan(2, 3, "MISC", source=0, score=0.5), ProjectedSpan(5, 6, "ORG", 1)]
    scored = [ScoredSpan(2, 3, "MISC", 0.9), ScoredSpan(7, 9, "PER", 0.8)]
    span_filter = SpanFilter(drop_lowercase=True)
    kept = span_filter.apply(WORDS, projected)
    assert kept == [projected[1]] and kept[0] is projected[1]
    assert span_filter.apply(WORDS, scored) == [ScoredSpan(7, 9, "PER", 0.8)]
    assert span_filter.apply(WORDS, iter(scored)) == [scored[1]]  # any iterable


def test_an_inactive_filter_keeps_everything_and_bad_spans_are_refused():
    counts: Counter[str] = Counter()
    assert not SpanFilter().active
    assert SpanFilter().apply(WORDS, SPANS, counts) == SPANS
    assert counts == {}
    with pytest.raises(ValueError, match="is not a span of a sentence of 3 words"):
        SpanFilter(drop_lowercase=True).apply(["a", "b", "c"], [Span(2, 4, "PER")])


def test_settings_parse_and_serialise():
    assert parse_labels("MISC") == ("MISC",)
    assert parse_labels(" MISC , LOC,MISC") == ("MISC", "LOC")
    assert parse_labels("") == ()
    with pytest.raises(ValueError, match="--drop-labels: labels separated by commas"):
        parse_labels("MISC,")
    span_filter = SpanFilter(drop_labels=["MISC"])  # type: ignore[arg-type]  # a list, from JSON
    assert span_filter.drop_labels == ("MISC",) and hash(span_filter)
    assert span_filter.to_dict() == {
        "drop_lowercase": False,
        "drop_labels": ["MISC"],
    }
    assert span_filter.reasons() == ["label:MISC"]
    # A string is one label or comma-separated labels, never its characters (#25 case 10).
    assert SpanFilter(drop_labels="MISC").drop_labels == ("MISC",)  # type: ignore[arg-type]
    assert SpanFilter(drop_labels="MISC,LOC").reasons() == ["label:MISC", "label:LOC"]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="drop_labels must be non-empty strings"):
        SpanFilter(drop_labels=("",))


def test_filter_sentences_for_predictions():
    counts: Counter[str] = Counter()
    sentences = [Sentence(WORDS, SPANS), Sentence(["Hola", "."], [])]
    out = list(filter_sentences(sentences, SpanFilter(drop_lowercase=True), counts))
    assert out == [Sentence(WORDS, SPANS[1:]), Sentence(["Hola", "."], [])]
    assert sentences[0].spans == SPANS  # the input is not changed
    assert describe(counts) == "filtered spans: 1 (lowercase 1)"
    assert describe(Counter()) == "filtered spans: 0"


def test_the_module_imports_no_spacy():
    code = (
        "import sys, spacy_xlproj.transfer.span_filters; "
        "print(sorted({'spacy', 'thinc', 'numpy'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- translate-train -------------------------------------------------------------------

# Source words close to their translations, so that the lexical aligner links them.
SOURCE = [
    Sentence(
        _words("the espanol government met EFE in Madrid ."),
        [Span(1, 2, "MISC"), Span(4, 5, "ORG"), Span(6, 7, "LOC")],
    ),
    Sentence(_words("Juan Pérez saw Israeli athletes ."), [Span(0, 2, "PER"), Span(3, 4, "MISC")]),
]
TARGET = ["el gobierno español vio a EFE en Madrid .", "Juan Pérez vio atletas israelí ."]


class Fixed:
    """Translates the sentences of SOURCE by position in the whole list; counts its calls."""

    name = "test:fixed"
    src_lang, tgt_lang = "en", "es"

    def __init__(self) -> None:
        self.calls = 0

    def translate(self, texts):
        self.calls += 1
        table = {" ".join(s.words): t for s, t in zip(SOURCE, TARGET, strict=True)}
        return [table[text] for text in texts]


def _labelled(sentence: Sentence) -> list[tuple[str, str]]:
    return [(" ".join(sentence.words[s.start : s.end]), s.label) for s in sentence.spans]


def _translate_train(translator: Fixed, **kwargs):
    return translate_train(
        SOURCE,
        translator=translator,
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        tgt_lang="es",
        progress=False,
        **kwargs,
    )


def test_translate_train_filters_after_projection(tmp_path):
    out, stats = _translate_train(Fixed())
    assert [_labelled(s) for s in out] == [
        [("español", "MISC"), ("EFE", "ORG"), ("Madrid", "LOC")],
        [("Juan Pérez", "PER"), ("israelí", "MISC")],
    ]
    filtered: Counter[str] = Counter()
    work = tmp_path / "work"
    translator = Fixed()
    out, filtered_stats = _translate_train(
        translator,
        span_filter=SpanFilter(drop_lowercase=True),
        filtered=filtered,
        work_dir=work,
        chunk_size=1,
    )
    assert [_labelled(s) for s in out] == [
        [("EFE", "ORG"), ("Madrid", "LOC")],
        [("Juan Pérez", "PER")],
    ]
    assert filtered == {"lowercase": 2}
    # The projection statistics are those before the filter.
    assert filtered_stats.to_dict()["projected_spans"] == stats.to_dict()["projected_spans"] == 5
    # The chunks hold the unfiltered projection: another filter resumes the same folder
    # without translating again.
    again = Fixed()
    filtered = Counter()
    out, _ = _translate_train(
        again,
        span_filter=SpanFilter(drop_labels=("ORG", "LOC")),
        filtered=filtered,
        work_dir=work,
        chunk_size=1,
    )
    assert again.calls == 0 and translator.calls == 2
    assert [_labelled(s) for s in out] == [
        [("español", "MISC")],
        [("Juan Pérez", "PER"), ("israelí", "MISC")],
    ]
    assert filtered == {"label:ORG": 1, "label:LOC": 1}


# -- the translate-train command -------------------------------------------------------

runner = CliRunner()


def _columns(sentences: list[Sentence]) -> str:
    blocks = []
    for sentence in sentences:
        tags = ["O"] * len(sentence.words)
        for span in sentence.spans:
            tags[span.start : span.end] = [f"B-{span.label}"] + [f"I-{span.label}"] * (
                len(span) - 1
            )
        blocks.append("\n".join(f"{w}\t{t}" for w, t in zip(sentence.words, tags, strict=True)))
    return "\n\n".join(blocks) + "\n"


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    src = tmp_path / "en.conll"
    src.write_text(_columns(SOURCE), encoding="utf8")
    translations = tmp_path / "es.txt"
    translations.write_text("\n".join(TARGET) + "\n", encoding="utf8")
    return {"src": src, "tr": translations, "dir": tmp_path}


@pytest.fixture()
def calls(monkeypatch) -> list[int]:
    """How many texts each positional translate call got: [] means nothing was translated."""
    seen: list[int] = []
    for cls in (FileTranslator, _LineWindow):
        original = cls.translate

        def counting(self, texts, original=original):
            seen.append(len(texts))
            return original(self, texts)

        monkeypatch.setattr(cls, "translate", counting)
    return seen


def _cli(files: dict[str, Path], *extra: str, output: str = "out.conll"):
    args = ["translate-train", str(files["src"]), str(files["dir"] / output)]
    args += ["--tgt-lang", "es", "-T", f"file:{files['tr']}", "--aligner", "lexical"]
    args += ["--no-progress", *extra]
    return runner.invoke(app, args)


def _tagged(path: Path) -> list[list[str]]:
    blocks = path.read_text(encoding="utf8").strip().split("\n\n")
    return [[line.split("\t")[1] for line in block.splitlines()] for block in blocks]


def test_cli_options_reach_the_output_and_the_statistics(files, calls):
    stats = files["dir"] / "stats.json"
    result = _cli(files, "--stats", str(stats))
    assert result.exit_code == 0, result.output
    assert _tagged(files["dir"] / "out.conll")[0][2] == "B-MISC"
    report = json.loads(stats.read_text(encoding="utf8"))
    assert report["span_filter"] == {
        "drop_lowercase": False,
        "drop_labels": [],
    }
    assert report["filtered"] == {}
    assert "filtered spans" not in result.output

    result = _cli(
        files,
        "--filter.drop_lowercase_spans",
        "--filter.drop_labels",
        "PER,LOCATION",
        "--stats",
        str(stats),
    )
    assert result.exit_code == 0, result.output
    assert _tagged(files["dir"] / "out.conll") == [
        ["O", "O", "O", "O", "O", "B-ORG", "O", "B-LOC", "O"],
        ["O", "O", "O", "O", "O", "O"],
    ]
    report = json.loads(stats.read_text(encoding="utf8"))
    assert report["span_filter"] == {
        "drop_lowercase": True,
        "drop_labels": ["PER", "LOCATION"],
    }
    # A label that never came (here a typo for LOC) shows as 0.
    assert report["filtered"] == {"label:PER": 1, "label:LOCATION": 0, "lowercase": 2}
    assert report["projection"]["projected_spans"] == 5  # before the filter
    # The statistics record every setting the run used, preset and overrides resolved.
    assert report["settings"]["filter"] == {
        "drop_lowercase_spans": True,
        "drop_labels": ["PER", "LOCATION"],
    }
    assert report["settings"]["projection"]["merge_distance"] == 1
    assert report["settings"]["engine"] == {"chunk_size": 10_000, "ray_address": None}
    assert "filtered spans: 3 (label:PER 1, label:LOCATION 0, lowercase 2)" in result.output


def test_cli_a_resumed_run_may_change_the_filter(files, calls):
    work = str(files["dir"] / "work")
    assert _cli(files, "--work-dir", work).exit_code == 0
    assert calls == [2]
    calls.clear()
    result = _cli(files, "--work-dir", work, "--filter.drop_labels", "MISC")
    assert result.exit_code == 0, result.output
    assert calls == []  # read back from the chunks, filtered as they are written
    assert _tagged(files["dir"] / "out.conll")[1] == ["B-PER", "I-PER", "O", "O", "O", "O"]
    manifest = json.loads((files["dir"] / "work" / "manifest.json").read_text())
    assert not any("drop" in key or "filter" in key for key in manifest["settings"])


def test_cli_bad_drop_labels_fail_before_translation(files, calls):
    result = _cli(files, "--filter.drop_labels", "MISC,")
    assert result.exit_code == 2
    assert result.output == (
        'Error: filter.drop_labels: expected a list of labels (["MISC", "LOC"] or MISC,LOC), '
        "got 'MISC,'.\n"
    )
    assert calls == []
    assert not (files["dir"] / "out.conll").exists()
