"""The names a review settled, carried to their repeats in the unreviewed sentences."""

from __future__ import annotations

from pathlib import Path

from spacy_xlproj.review.propagate import PropagationStats, propagate, reviewed_names

ACCEPTED = [True] * 20  # every word of an accepted sentence is decided


def _w(text: str) -> list[str]:
    return text.split()


def _doc(words: list[str], ents: list[tuple[int, int, str]], missing: list[int]):
    """A pseudo-labelled Doc: ``ents`` accepted, ``missing`` words unannotated, O elsewhere."""
    from spacy.tokens import Doc, Span

    from spacy_xlproj.io.docbin import blank_vocab

    doc = Doc(blank_vocab("es"), words=words)
    taken = {i for s, e, _ in ents for i in range(s, e)}
    doc.set_ents(
        [Span(doc, s, e, label=label) for s, e, label in ents],
        missing=[Span(doc, i, i + 1) for i in missing],
        outside=[Span(doc, i, i + 1) for i in range(len(words)) if i not in taken | set(missing)],
    )
    return doc


def _state(doc) -> tuple[list[tuple[int, int, str]], list[str]]:
    return [(e.start, e.end, e.label_) for e in doc.ents], [t.ent_iob_ for t in doc]


def test_a_name_is_settled_when_every_decided_occurrence_agrees() -> None:
    names = reviewed_names(
        [
            (_w("El Real Madrid ganó en Madrid ."), [(1, 3, "ORG"), (5, 6, "LOC")], ACCEPTED),
            (_w("Lo dice EFE desde Valencia"), [(2, 3, "ORG"), (4, 5, "LOC")], ACCEPTED),
            # EFE outside every entity here: not a name to carry.
            (_w("Madrid y EFE ."), [(0, 1, "LOC")], ACCEPTED),
            # Valencia labelled two ways.
            (_w("El Valencia perdió"), [(1, 2, "ORG")], ACCEPTED),
            # Telefónica left undecided by a partial review: no doubt about it.
            (_w("Telefónica sube"), [], [False, True]),
            (_w("Compra Telefónica"), [(1, 2, "ORG")], ACCEPTED),
        ]
    )
    assert names.labels == {
        ("Real", "Madrid"): "ORG",
        ("Madrid",): "LOC",  # inside Real Madrid is no doubt
        ("Telefónica",): "ORG",
    }
    assert names.ambiguous == 2


def test_propagate_relabels_agreed_spans_and_fills_runs_of_missing_words_that_are_names() -> None:
    names = reviewed_names(
        [(_w("El Real Madrid ganó en Madrid ."), [(1, 3, "ORG"), (5, 6, "LOC")], ACCEPTED)]
    )
    words = _w("Madrid y Madrid con Real Madrid hoy en Madrid")
    # Madrid agreed as ORG (relabelled); Madrid missing (filled); Real Madrid missing (filled
    # whole, not its Madrid); en missing (no name: stays); the last Madrid agreed O (stays O).
    doc = _doc(words, [(0, 1, "ORG")], missing=[2, 4, 5, 7])
    stats = PropagationStats(names=len(names.labels))
    propagate(doc, names, stats)
    assert _state(doc) == (
        [(0, 1, "LOC"), (2, 3, "LOC"), (4, 6, "ORG")],
        ["B", "O", "B", "O", "B", "I", "O", "", "O"],
    )
    assert (stats.relabelled, stats.filled) == (1, 2)
    assert stats.message() == (
        "2 names settled by the review carried to the unreviewed sentences: 1 pseudo-labelled "
        "spans relabelled, 2 spans added where the teachers disagreed"
    )
    # A name inside a longer run of missing words is left alone: it would cut the run.
    doc = _doc(_w("Real Madrid y Ayuntamiento de Madrid"), [], missing=[1, 3, 4, 5])
    propagate(doc, names, stats)
    assert _state(doc) == ([(1, 2, "LOC")], ["O", "B", "O", "", "", ""])


def test_export_carries_the_trained_reviews_names_not_the_held_out_ones(tmp_path: Path) -> None:
    from spacy.tokens import DocBin

    from spacy_xlproj.io.docbin import blank_vocab
    from spacy_xlproj.review.data import load_review_data
    from spacy_xlproj.review.export import dev_keys, export_reviewed
    from spacy_xlproj.review.store import ReviewStore
    from spacy_xlproj.teach import PseudoLabelled, ScoredSpan, write_pseudo_docbin

    sentences = [
        _w("Lo dice EFE en Madrid"),
        _w("Habla Telefónica desde Bilbao"),
        _w("EFE cita a Telefónica"),
        _w("Bilbao y Madrid"),
    ]
    gold = [[(2, 3, "ORG"), (4, 5, "LOC")], [(1, 2, "ORG"), (3, 4, "LOC")]]
    # The teachers: sentence 2 with EFE as LOC and Telefónica missing; sentence 3 Bilbao missing.
    items = [
        PseudoLabelled(0, sentences[0], [], [2, 3, 4]),
        PseudoLabelled(1, sentences[1], [], [1, 2, 3]),
        PseudoLabelled(2, sentences[2], [ScoredSpan(0, 1, "LOC", 1.0)], [3]),
        PseudoLabelled(3, sentences[3], [], [0]),
    ]
    write_pseudo_docbin(tmp_path / "pseudo.spacy", items, "es")
    data = load_review_data(tmp_path / "pseudo.spacy")
    keys = [item.key for item in data.items]
    share = 0.5
    assert dev_keys(keys[:2], share) == {keys[0]}  # the first review is the dev set
    with ReviewStore(tmp_path / "r.sqlite", data.fingerprint, len(data)) as store:
        for i in (0, 1):
            store.decide(keys[i], i, 0, "accept", gold[i])
        out, dev = tmp_path / "train.spacy", tmp_path / "dev.spacy"
        stats = export_reviewed(
            data, store, out, lang="es", dev=dev, dev_share=share, keep_unreviewed=True
        )
    docs = list(DocBin().from_disk(out).get_docs(blank_vocab("es")))
    assert stats.propagation is not None and stats.propagation.names == 2
    ents = {" ".join(t.text for t in d): _state(d) for d in docs}
    # Telefónica ORG and Bilbao LOC carried; EFE and Madrid (the dev set's) not.
    assert ents["EFE cita a Telefónica"] == ([(0, 1, "LOC"), (3, 4, "ORG")], ["B", "O", "O", "B"])
    assert ents["Bilbao y Madrid"] == ([(0, 1, "LOC")], ["B", "O", "O"])
    assert (stats.propagation.relabelled, stats.propagation.filled) == (0, 2)
    # Without it, the others are written as they were.
    with ReviewStore(tmp_path / "r.sqlite", data.fingerprint, len(data)) as store:
        stats = export_reviewed(
            data, store, out, lang="es", dev=dev, dev_share=share, keep_unreviewed=True,
            propagate_names=False,
        )  # fmt: skip
    docs = list(DocBin().from_disk(out).get_docs(blank_vocab("es")))
    ents = {" ".join(t.text for t in d): _state(d) for d in docs}
    assert ents["EFE cita a Telefónica"] == ([(0, 1, "LOC")], ["B", "O", "O", ""])
    assert stats.propagation is None
