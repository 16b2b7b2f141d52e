"""The small pieces of the teacher-student rounds that are not a CLI call of their own.

    python scripts/student_round.py plan CORPUS_DIR TRAINING_DIR ROUNDS
    python scripts/student_round.py data ROUND_DIR --lang es --projected DIR [--mix M] [--dev D]
    python scripts/student_round.py run SELECTED [--clean PATH ...] -- COMMAND [ARGS...]

project.yml runs round k as two commands, ``pseudo-label-k`` and ``student-k``
(docs/teacher_student.md); ``spacy project``'s lock file decides what is redone.

``plan`` is the one place ``student_rounds`` is read: it writes
``CORPUS_DIR/round-K.selected`` (``yes`` or ``no``) for every round K after the
first, rewriting a file only when its answer changes, and creates the (empty) folders
of every round, so that round K+1 can name round K's folders as dependencies even when
round K does not run. Rounds 2.. depend on their ``.selected`` file: raising
``student_rounds`` from 2 to 3 runs round 3 alone; rounds 1 and 2 stay as they are.

``data`` builds round k's training data from its pseudo-labels (``ROUND_DIR/pseudo.spacy``):
``ROUND_DIR/train/`` holds the pseudo-labelled text (``--mix pseudo``) and a link to the
projected translate-train data (``pseudo+projected``); ``ROUND_DIR/dev.spacy`` is the
projected development set (``--dev projected``) or every 10th pseudo-labelled
sentence, held out (``--dev pseudo``).

``run`` runs COMMAND when the SELECTED file says ``yes``; otherwise it empties or
removes each ``--clean`` path (outputs of an earlier run with more rounds, which the
report would otherwise show beside the current ones) and runs nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import typer
from lifecycle import die_with_parent

MAX_ROUNDS = 3  # project.yml has commands for rounds 1..MAX_ROUNDS
MIXES = ("pseudo", "pseudo+projected")
DEVS = ("projected", "pseudo")
# With --dev pseudo, every HOLDOUT-th pseudo-labelled sentence is the development set.
HOLDOUT = 10
YES, NO = "yes\n", "no\n"

app = typer.Typer(add_completion=False, no_args_is_help=True)


def selected_file(corpus: Path, k: int) -> Path:
    return corpus / f"round-{k}.selected"


def plan(corpus: Path, training: Path, rounds: int) -> list[int]:
    """Write the ``.selected`` files and the rounds' folders; the rounds that run."""
    from spacy_xlproj.io.atomic import write_atomic

    for k in range(1, MAX_ROUNDS + 1):
        (corpus / f"round-{k}").mkdir(parents=True, exist_ok=True)
        (training / f"student-{k}").mkdir(parents=True, exist_ok=True)
        if k == 1:
            continue
        path, answer = selected_file(corpus, k), YES if k <= rounds else NO
        # Rewritten only when the answer changes: its MD5 is what spacy project compares.
        if not path.is_file() or path.read_text("utf8") != answer:
            write_atomic(path, answer)
    return list(range(1, rounds + 1))


@app.command("plan")
def plan_cmd(
    corpus: Path = typer.Argument(..., help="The rounds' corpus folder"),
    training: Path = typer.Argument(..., help="The rounds' training folder"),
    rounds: int = typer.Argument(..., help=f"Student rounds, 1 to {MAX_ROUNDS}"),
) -> None:
    """Record which rounds run (vars.student_rounds) and create their folders."""
    if not 1 <= rounds <= MAX_ROUNDS:
        typer.echo(
            f"Error: student_rounds must be 1 to {MAX_ROUNDS} (project.yml has commands for "
            f"{MAX_ROUNDS} rounds), got {rounds}.",
            err=True,
        )
        raise typer.Exit(2)
    ks = plan(corpus, training, rounds)
    typer.echo(f"student rounds: {', '.join(map(str, ks))} of {MAX_ROUNDS}")


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


def build_data(round_dir: Path, lang: str, projected: Path | None, mix: str, dev: str) -> None:
    """``round_dir/train/`` and ``round_dir/dev.spacy`` from ``round_dir/pseudo.spacy``."""
    pseudo = round_dir / "pseudo.spacy"
    folder = round_dir / "train"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if dev == "pseudo":
        n_train, n_dev = split_pseudo(
            pseudo, folder / "pseudo.spacy", round_dir / "dev.spacy", lang
        )
        typer.echo(f"{n_train} pseudo-labelled sentences to train on, {n_dev} held out as dev")
    else:
        assert projected is not None  # checked by the command
        _link(folder / "pseudo.spacy", pseudo)
        _link(round_dir / "dev.spacy", projected / "dev.spacy")
    if mix == "pseudo+projected":
        assert projected is not None
        _link(folder / "projected.spacy", projected / "train.spacy")


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
    build_data(round_dir, lang, projected, mix, dev)


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
        print(f"{selected}: not selected (vars.student_rounds); nothing to run", flush=True)
        return 0
    if command[0] in ("python", "python3"):
        command = [sys.executable, *command[1:]]
    print("Running command:", " ".join(command), flush=True)
    # The command replaces this process: signals and exit status are its own, and it
    # still stops with spacy project run (the parent-death signal survives exec).
    die_with_parent()
    os.execvp(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        sys.exit(main_run(sys.argv[2:]))
    app()
