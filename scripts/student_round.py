"""The small pieces of the teacher-student rounds that are not a CLI call of their own.

    python scripts/student_round.py plan CORPUS_DIR TRAINING_DIR ROUNDS [--reviewed=DB]
    python scripts/student_round.py data ROUND_DIR --lang es --projected DIR [--mix M] [--dev D]
    python scripts/student_round.py reviewed CORPUS_DIR --lang es --fallback-dev DEV
    python scripts/student_round.py run SELECTED [--clean PATH ...] -- COMMAND [ARGS...]
    python scripts/student_round.py final CORPUS_DIR ROUNDS -- COMMAND [ARGS...]

project.yml runs round k as two commands, ``pseudo-label-k`` and ``student-k``
(docs/teacher_student.md); ``spacy project``'s lock file decides what is redone.

``plan`` is the one place ``student_rounds`` is read: it writes
``CORPUS_DIR/round-K.selected`` (``yes`` or ``no``) for every round K after the
first, rewriting a file only when its answer changes, and creates the (empty) folders
of every round, so that round K+1 can name round K's folders as dependencies even when
round K does not run. Rounds 2.. depend on their ``.selected`` file: raising
``student_rounds`` from 2 to 3 runs round 3 alone; rounds 1 and 2 stay as they are.
``plan`` also snapshots the reviewed decisions of the review database ``--reviewed``
(``review``'s SQLite file; absent or empty: none) into ``CORPUS_DIR/reviewed.json``, again
rewritten only when they change, and writes ``CORPUS_DIR/reviewed.selected`` (``yes``
when there is a reviewed sentence): only ``student-reviewed`` (the review's round) depends
on them, so that more review redoes that round and nothing else (the database itself
changes with every skip or undo).

``data`` (the first step of ``student-k``) builds round k's training data from its
pseudo-labels (``ROUND_DIR/pseudo.spacy``):
``ROUND_DIR/train/`` holds the pseudo-labelled text (``--mix pseudo``) and a link to the
projected translate-train data (``pseudo+projected``); ``ROUND_DIR/dev.spacy`` is the
projected development set (``--dev projected``) or every 10th pseudo-labelled
sentence, held out (``--dev pseudo``). The teachers' span groups (the votes the review
shows) are not copied into the training data: spaCy would read them back on every epoch.

``reviewed`` (the first step of ``student-reviewed``) writes the reviewed sentences of the
snapshot as gold (their text from round 1's pseudo-labels, which the review showed) to
``CORPUS_DIR/reviewed/train.spacy``, and a ``DEV_SHARE`` of them, chosen by their keys'
hashes, to ``CORPUS_DIR/reviewed/dev.spacy``: the last student is trained further on
them (``train.py --base``) and chooses its step on real target-language gold. Below
``MIN_DEV`` held-out sentences all of them are trained on and the development set is
``--fallback-dev`` (the last round's). That tuned student then teaches the review's round
(docs/review.md): on CoNLL-2002 es better than training the students with the reviewed
sentences in place of their pseudo-labels, or than the tuned student itself (on WikiANN es
1.0 below it; docs/benchmarks/review.md).

``run`` runs COMMAND when the SELECTED file says ``yes``; otherwise it empties or
removes each ``--clean`` path (outputs of an earlier run with more rounds, which the
report would otherwise show beside the current ones) and runs nothing. ``final`` runs
COMMAND with ``{student}`` in its arguments replaced by the name of the student to ship
(``reviewed`` when ``CORPUS_DIR/reviewed.selected`` says ``yes``, else the last round)
and ``{reviewed}`` by the number of reviewed sentences.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import typer
from lifecycle import die_with_parent

MAX_ROUNDS = 3  # project.yml has commands for rounds 1..MAX_ROUNDS
MIXES = ("pseudo", "pseudo+projected")
DEVS = ("projected", "pseudo")
# With --dev pseudo, every HOLDOUT-th pseudo-labelled sentence is the development set.
HOLDOUT = 10
YES, NO = "yes\n", "no\n"
# The snapshot of the reviewed decisions (plan) that student-reviewed depends on, whether
# there are any (the rounds' ``.selected`` files' format), and its data folder.
REVIEWED = "reviewed.json"
REVIEWED_SELECTED = "reviewed.selected"
REVIEWED_DIR = "reviewed"
NO_REVIEW: dict[str, Any] = {"decisions": []}
# With reviews: the share of reviewed sentences held out as the development set, and the
# fewest held-out sentences worth choosing a step on (fewer: the usual development set).
DEV_SHARE = 0.25
MIN_DEV = 20

app = typer.Typer(add_completion=False, no_args_is_help=True)


def selected_file(corpus: Path, k: int) -> Path:
    return corpus / f"round-{k}.selected"


def review_snapshot(db: Path | None) -> dict[str, Any]:
    """The reviewed (accepted or partly reviewed) decisions of a review database, by key,
    without their times and tabs: what the students train on. ``NO_REVIEW`` when there
    is no database (yet) or nothing in it is reviewed.

    RAISES (DataError): The file is not a review database.
    """
    from spacy_xlproj.errors import DataError
    from spacy_xlproj.review.store import ReviewStore

    if db is None or not db.is_file():
        return NO_REVIEW
    try:
        # The fingerprint the database was made for (the data need not be at hand).
        connection = sqlite3.connect(db)
        try:
            meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        finally:
            connection.close()
    except sqlite3.DatabaseError as err:
        raise DataError(
            f"{db}: not a review database ({err}); give the --db file of `review` as "
            "vars.reviewed, or '' for none."
        ) from None
    if "fingerprint" not in meta:
        return NO_REVIEW
    sentences = int(meta.get("sentences", "0"))
    with ReviewStore(db, meta["fingerprint"], sentences, meta.get("data", "")) as store:
        latest = store.latest()
    decisions = [
        {
            "key": d.key,
            "kind": d.kind,
            "spans": [list(s) for s in d.spans],
            "outside": [list(o) for o in d.outside],
        }
        for d in sorted(latest.values(), key=lambda d: d.key)
        if d.reviewed
    ]
    if not decisions:
        return NO_REVIEW
    return {
        "database": str(db),
        "data": meta.get("data", ""),
        "sentences": sentences,
        "decisions": decisions,
    }


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file holds it already: its MD5 is what spacy project
    compares, and a rewrite must not look like a change. RETURNS: whether it wrote."""
    from spacy_xlproj.io.atomic import write_atomic

    if path.is_file() and path.read_text("utf8") == text:
        return False
    write_atomic(path, text)
    return True


def plan(corpus: Path, training: Path, rounds: int, reviewed: Path | None = None) -> list[int]:
    """Write the ``.selected`` files, the rounds' folders and the snapshot of the reviewed
    decisions (``reviewed``: the review database, None for none); the rounds that run."""
    corpus.mkdir(parents=True, exist_ok=True)
    snapshot = review_snapshot(reviewed)
    write_if_changed(corpus / REVIEWED, json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n")
    write_if_changed(corpus / REVIEWED_SELECTED, YES if snapshot["decisions"] else NO)
    (training / "student-reviewed").mkdir(parents=True, exist_ok=True)
    for k in range(1, MAX_ROUNDS + 1):
        (corpus / f"round-{k}").mkdir(parents=True, exist_ok=True)
        (training / f"student-{k}").mkdir(parents=True, exist_ok=True)
        if k == 1:
            continue
        write_if_changed(selected_file(corpus, k), YES if k <= rounds else NO)
    return list(range(1, rounds + 1))


@app.command("plan")
def plan_cmd(
    corpus: Path = typer.Argument(..., help="The rounds' corpus folder"),
    training: Path = typer.Argument(..., help="The rounds' training folder"),
    rounds: int = typer.Argument(..., help=f"Student rounds, 1 to {MAX_ROUNDS}"),
    reviewed: str = typer.Option(
        "", "--reviewed", help="The review database (review --db); absent or '': no review"
    ),
) -> None:
    """Record which rounds run (vars.student_rounds) and the reviewed decisions, and create
    the rounds' folders."""
    from spacy_xlproj.errors import XlprojError

    if not 1 <= rounds <= MAX_ROUNDS:
        typer.echo(
            f"Error: student_rounds must be 1 to {MAX_ROUNDS} (project.yml has commands for "
            f"{MAX_ROUNDS} rounds), got {rounds}.",
            err=True,
        )
        raise typer.Exit(2)
    try:
        ks = plan(corpus, training, rounds, Path(reviewed) if reviewed else None)
    except XlprojError as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(err.exit_code) from None
    typer.echo(f"student rounds: {', '.join(map(str, ks))} of {MAX_ROUNDS}")
    n = len(json.loads((corpus / REVIEWED).read_text("utf8"))["decisions"])
    typer.echo(f"reviewed sentences: {n}" + (f" ({reviewed})" if n else ""))


def split_pseudo(pseudo: Path, train: Path, dev: Path, lang: str) -> tuple[int, int]:
    """Hold out every HOLDOUT-th pseudo-labelled sentence as the development set.

    Real target text, labelled by the teachers' agreement: model selection then follows
    the text the student is meant for. Missing words stay missing, and spaCy's scorer
    ignores predictions on them. RETURNS: the sentences of train and dev.
    """
    from spacy.tokens import DocBin

    from spacy_xlproj.io.atomic import atomic_path
    from spacy_xlproj.io.docbin import blank_vocab
    from spacy_xlproj.teach.pseudo_labels import DOCBIN_ATTRS

    docs = list(DocBin().from_disk(pseudo).get_docs(blank_vocab(lang)))
    parts = {train: DocBin(attrs=DOCBIN_ATTRS), dev: DocBin(attrs=DOCBIN_ATTRS)}
    for i, doc in enumerate(docs):
        doc.spans.clear()  # the teachers' votes are for review, not for training
        parts[dev if (i + 1) % HOLDOUT == 0 else train].add(doc)
    for path, docbin in parts.items():
        with atomic_path(path) as tmp:
            docbin.to_disk(tmp)
    return len(parts[train]), len(parts[dev])


def _link(target: Path, source: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(source.resolve())
    os.replace(tmp, target)


def _without_span_groups(source: Path, target: Path) -> None:
    """``target``: the docs of ``source`` without their span groups (spaCy would read them
    back on every epoch, about 1.5 ms a doc); a link to ``source`` when it has none."""
    from spacy.tokens import DocBin

    from spacy_xlproj.io.atomic import atomic_path

    docbin = DocBin().from_disk(source)
    if not any(g and g != b"\x90" for g in docbin.span_groups):  # b"\x90": none
        _link(target, source)
        return
    docbin.span_groups = [b"" for _ in docbin.span_groups]
    with atomic_path(target) as tmp:
        docbin.to_disk(tmp)


def apply_reviews(
    pseudo: Path,
    snapshot: dict[str, Any],
    train: Path,
    dev: Path,
    lang: str,
    *,
    dev_share: float = DEV_SHARE,
    min_dev: int = MIN_DEV,
    keep_unreviewed: bool = True,
) -> tuple[Any, int]:
    """Write ``pseudo``'s reviewed sentences as gold to ``train`` (with ``keep_unreviewed``
    every other sentence too, as it was, span groups dropped) and the held-out reviewed
    part to ``dev`` (when it has ``min_dev`` sentences; else all are trained on).

    RETURNS (tuple[ExportStats, int]): The export's counts, and how many decisions are
        for sentences that ``pseudo`` does not have.
    RAISES (DataError): None of the decisions is for a sentence of ``pseudo``.
    """
    from spacy_xlproj.errors import DataError
    from spacy_xlproj.review.data import load_review_data
    from spacy_xlproj.review.export import dev_keys, export_reviewed
    from spacy_xlproj.review.store import ReviewStore

    data = load_review_data(pseudo)
    index = {item.key: item.index for item in data.items}
    decisions = [d for d in snapshot["decisions"] if d["key"] in index]
    if not decisions:
        raise DataError(
            f"{snapshot.get('database')}: none of its {len(snapshot['decisions'])} reviewed "
            f"sentences (from {snapshot.get('data') or 'other data'}) is in {pseudo}: it holds "
            "the review of other text. Review this text into another database "
            "(--vars.reviewed OTHER.sqlite), or pass --vars.reviewed '' to train without it."
        )
    if len(dev_keys([d["key"] for d in decisions], dev_share)) < min_dev:
        dev_share = 0.0
    # The decisions of the snapshot as a store of this data's own (in memory), so that
    # review-export's one implementation writes the result.
    with ReviewStore(Path(":memory:"), data.fingerprint, len(data)) as store:
        for d in decisions:
            spans = [(int(s), int(e), str(label)) for s, e, label in d["spans"]]
            outside = [(int(s), int(e)) for s, e in d["outside"]]
            store.decide(d["key"], index[d["key"]], 0, d["kind"], spans, outside)
        stats = export_reviewed(
            data,
            store,
            train,
            lang=lang,
            dev=dev if dev_share else None,
            dev_share=dev_share,
            keep_unreviewed=keep_unreviewed,
        )
    return stats, len(snapshot["decisions"]) - len(decisions)


def read_snapshot(path: Path) -> dict[str, Any]:
    """The reviewed decisions ``plan`` wrote (``NO_REVIEW``-shaped when there are none)."""
    from spacy_xlproj.errors import DataError

    try:
        snapshot = json.loads(path.read_text("utf8"))
        if not isinstance(snapshot.get("decisions"), list):
            raise ValueError("no list of decisions")
    except (ValueError, AttributeError) as err:
        raise DataError(f"{path}: not a snapshot of reviews ({err}); run student-plan.") from None
    return snapshot


def build_data(
    round_dir: Path,
    lang: str,
    projected: Path | None,
    mix: str,
    dev: str,
    reviewed: Path | None = None,
    *,
    dev_share: float = DEV_SHARE,
    min_dev: int = MIN_DEV,
) -> int:
    """``round_dir/train/`` and ``round_dir/dev.spacy`` from ``round_dir/pseudo.spacy``
    and the reviewed decisions of the snapshot ``reviewed`` (None: no review).

    RETURNS (int): How many reviewed sentences were held out as the development set
        (0: none; the development set is as without review)."""
    pseudo = round_dir / "pseudo.spacy"
    folder = round_dir / "train"
    dev_path = round_dir / "dev.spacy"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # A link to the projected dev set from an earlier build: atomic writes go through
    # links, and the projected file must not be overwritten.
    if dev_path.is_symlink():
        dev_path.unlink()
    snapshot = read_snapshot(reviewed) if reviewed is not None else NO_REVIEW
    source, held_out = pseudo, 0
    if snapshot["decisions"]:
        source = folder / "pseudo.spacy"
        stats, unknown = apply_reviews(
            pseudo, snapshot, source, dev_path, lang, dev_share=dev_share, min_dev=min_dev
        )
        held_out = stats.dev
        typer.echo(
            f"{stats.written} reviewed sentences as gold ({stats.dev} of them held out as "
            f"dev), {stats.kept} pseudo-labelled"
            + ("" if held_out else f"; fewer than {min_dev} to hold out: dev as without review")
            + (f"; {unknown} reviewed sentences are not in {pseudo}" if unknown else "")
        )
    # With a held-out reviewed part, train/pseudo.spacy and dev.spacy are written already.
    if not held_out and dev == "pseudo":
        n_train, n_dev = split_pseudo(source, folder / "pseudo.spacy", dev_path, lang)
        what = "pseudo-labelled sentences" if source == pseudo else "sentences"
        typer.echo(f"{n_train} {what} to train on, {n_dev} held out as dev")
    elif not held_out:
        assert projected is not None  # checked by the command
        if source == pseudo:
            _without_span_groups(pseudo, folder / "pseudo.spacy")
        _link(dev_path, projected / "dev.spacy")
    if mix == "pseudo+projected":
        assert projected is not None
        _link(folder / "projected.spacy", projected / "train.spacy")
    # What the dev set is, for the model card (package_card.guess_dev_kind reads it).
    kind = "gold" if held_out else "pseudo-labelled" if dev == "pseudo" else "projected"
    write_if_changed(dev_path.with_suffix(".kind"), kind + "\n")
    return held_out


@app.command("data")
def data_cmd(
    round_dir: Path = typer.Argument(..., help="The round's folder (holds pseudo.spacy)"),
    lang: str = typer.Option(..., "--lang", help="spaCy language class of the text"),
    projected: Path | None = typer.Option(
        None, "--projected", help="Folder of the projected train.spacy and dev.spacy"
    ),
    mix: str = typer.Option("pseudo+projected", "--mix", help="pseudo or pseudo+projected"),
    dev: str = typer.Option("projected", "--dev", help="projected or pseudo"),
) -> None:
    """Build a round's training folder and development set from its pseudo-labels."""
    from spacy_xlproj.errors import XlprojError

    problems = []
    if mix not in MIXES:
        problems.append(f"--mix: use one of {', '.join(MIXES)}, got {mix!r}.")
    if dev not in DEVS:
        problems.append(f"--dev: use one of {', '.join(DEVS)}, got {dev!r}.")
    if projected is None and (mix, dev) != ("pseudo", "pseudo"):
        problems.append(
            "--mix pseudo+projected and --dev projected need --projected (the translate-train "
            "data); without translate-train use --mix pseudo --dev pseudo."
        )
    needed = [round_dir / "pseudo.spacy"]
    needed += [projected / "train.spacy"] if projected and mix == "pseudo+projected" else []
    needed += [projected / "dev.spacy"] if projected and dev == "projected" else []
    missing = [p for p in needed if not p.is_file()]
    problems += [f"{p}: not found; run the steps that make it first." for p in missing]
    if problems:
        typer.echo(f"Error: {problems[0]}", err=True)
        raise typer.Exit(2 if problems[0].startswith("--") else 1)
    try:
        build_data(round_dir, lang, projected, mix, dev)
    except XlprojError as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(err.exit_code) from None


def build_reviewed(
    corpus: Path,
    lang: str,
    fallback_dev: Path,
    snapshot: dict[str, Any] | None = None,
    *,
    min_dev: int = MIN_DEV,
) -> int:
    """``corpus/reviewed/train.spacy`` and ``dev.spacy``: the reviewed sentences of the
    snapshot (``snapshot``, else ``corpus``'s ``reviewed.json``) as gold, a held-out part as
    the development set (too few: all trained on, ``fallback_dev`` linked as dev).

    RETURNS (int): How many were held out as the development set.
    RAISES (DataError): There is no reviewed sentence, or none is in round 1's text.
    """
    from spacy_xlproj.errors import DataError
    from spacy_xlproj.package_card import guess_dev_kind

    snapshot = snapshot if snapshot is not None else read_snapshot(corpus / REVIEWED)
    if not snapshot["decisions"]:
        raise DataError(f"{corpus / REVIEWED}: no reviewed sentence to fine-tune on.")
    folder = corpus / REVIEWED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    dev_path = folder / "dev.spacy"
    if dev_path.is_symlink():  # the fallback of an earlier build: never written through
        dev_path.unlink()
    pseudo = corpus / "round-1" / "pseudo.spacy"  # the text the review showed
    stats, unknown = apply_reviews(
        pseudo, snapshot, folder / "train.spacy", dev_path, lang, min_dev=min_dev,
        keep_unreviewed=False,
    )  # fmt: skip
    if not stats.dev:
        _link(dev_path, fallback_dev)
    kind = "gold" if stats.dev else guess_dev_kind(str(fallback_dev))
    write_if_changed(dev_path.with_suffix(".kind"), kind + "\n")
    typer.echo(
        f"{stats.written} reviewed sentences as gold: {stats.written - stats.dev} to fine-tune "
        f"on, {stats.dev} held out as dev"
        + ("" if stats.dev else f" (fewer than {min_dev}: dev is {fallback_dev})")
        + (f"; {unknown} reviewed sentences are not in {pseudo}" if unknown else "")
    )  # fmt: skip
    return stats.dev


@app.command("reviewed")
def reviewed_cmd(
    corpus: Path = typer.Argument(..., help="The rounds' corpus folder (holds reviewed.json)"),
    lang: str = typer.Option(..., "--lang", help="spaCy language class of the text"),
    fallback_dev: Path = typer.Option(
        ..., "--fallback-dev", help="The dev set when too few reviewed are held out"
    ),
) -> None:
    """Write the reviewed sentences as gold data for fine-tuning the last student."""
    from spacy_xlproj.errors import XlprojError

    needed = [corpus / REVIEWED, corpus / "round-1" / "pseudo.spacy", fallback_dev]
    missing = [p for p in needed if not p.is_file()]
    if missing:
        typer.echo(f"Error: {missing[0]}: not found; run the steps that make it first.", err=True)
        raise typer.Exit(1)
    try:
        build_reviewed(corpus, lang, fallback_dev)
    except XlprojError as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(err.exit_code) from None


def clean(path: Path) -> None:
    """Empty a folder (it stays: a later round names it as a dependency); remove a file."""
    if path.is_dir() and not path.is_symlink():
        for item in path.iterdir():
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
    elif path.is_symlink() or path.exists():
        path.unlink()


def main_run(argv: list[str]) -> int:
    """``run SELECTED [--clean PATH ...] -- COMMAND ...`` (parsed by hand: COMMAND's own
    options must reach it untouched)."""
    if "--" not in argv or argv.index("--") < 1 or argv.index("--") == len(argv) - 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    split = argv.index("--")
    own, command = argv[:split], argv[split + 1 :]
    selected, rest = Path(own[0]), own[1:]
    if len(rest) % 2 or any(flag != "--clean" for flag in rest[::2]):
        print(f"Error: expected SELECTED [--clean PATH ...] --, got {own}", file=sys.stderr)
        return 2
    if not selected.is_file():
        print(f"Error: {selected} not found: run student-plan first.", file=sys.stderr)
        return 1
    if selected.read_text("utf8") != YES:
        for path in rest[1::2]:
            clean(Path(path))
        review = selected.name == REVIEWED_SELECTED
        why = "nothing reviewed in vars.reviewed" if review else "vars.student_rounds"
        print(f"{selected}: not selected ({why}); nothing to run", flush=True)
        return 0
    return _exec(command)


def _exec(command: list[str]) -> int:
    if command[0] in ("python", "python3"):
        command = [sys.executable, *command[1:]]
    print("Running command:", " ".join(command), flush=True)
    # The command replaces this process: signals and exit status are its own, and it
    # still stops with spacy project run (the parent-death signal survives exec).
    die_with_parent()
    os.execvp(command[0], command)
    return 0  # not reached


def main_final(argv: list[str]) -> int:
    """``final CORPUS_DIR ROUNDS -- COMMAND ...``: COMMAND with ``{student}`` replaced by
    the shipped student's name (``reviewed``, or the last round's number) and
    ``{reviewed}`` by the number of reviewed sentences."""
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    corpus, rounds, command = Path(argv[0]), argv[1], argv[3:]
    selected = corpus / REVIEWED_SELECTED
    if not selected.is_file():
        print(f"Error: {selected} not found: run student-plan first.", file=sys.stderr)
        return 1
    student = "reviewed" if selected.read_text("utf8") == YES else rounds
    reviewed = str(len(read_snapshot(corpus / REVIEWED)["decisions"]))
    return _exec(
        [arg.replace("{student}", student).replace("{reviewed}", reviewed) for arg in command]
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        sys.exit(main_run(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "final":
        sys.exit(main_final(sys.argv[2:]))
    app()
