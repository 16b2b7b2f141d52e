"""``review`` and ``review-export``: a person corrects pseudo-labels; the result is gold."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import UsageError, XlprojError
from ..io.paths import check_input, check_output
from ._app import app, one_line


def _fail(err: XlprojError) -> typer.Exit:
    # As cli._app.command's handler; these commands read no config sections, so they
    # are registered without its --preset/--config options.
    typer.echo(f"Error: {one_line(err)}", err=True)
    return typer.Exit(err.exit_code)


@app.command("review")
def review_cli(
    data: Path = typer.Argument(..., help="The .spacy file to review, e.g. pseudo-label's output"),
    db: Path = typer.Option(..., "--db", help="SQLite file of the decisions (created if absent)"),
    order: str = typer.Option(
        "disagreement",
        "--order",
        help="Queue order: disagreement (teachers disagree most), confidence (least "
        "confident first) or random",
    ),
    budget: int | None = typer.Option(
        None, "--budget", "-b", help="Sentences to review (default: all)"
    ),
    port: int = typer.Option(8080, "--port", "-p", help="Port to listen on (0: a free one)"),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on; anything but localhost is reachable from the network "
        "(a warning is printed)",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of --order random"),
    source: Path | None = typer.Option(
        None,
        "--source",
        help="translate-train's source side, one JSON line per sentence of DATA: "
        '{"words", "spans", "links"} (shown above the target, links drawn)',
    ),
    labels: str = typer.Option(
        "", "--labels", help="Labels of the keys 1-9, comma-separated (default: those in DATA)"
    ),
) -> None:
    """Review DATA in the browser: prints a local URL with a token; decisions go to --db.

    The source side of translate-train's output is read from beside DATA when --source
    is not given (train.spacy: train.source.jsonl).

    Keys: Enter accept, p save decided spans only, s skip, u undo, x reject span, 1-9 label.

    Arrows move, Shift+arrows select words. Export the result with `review-export`.
    """
    from ..review.data import source_file
    from ..review.server import serve

    try:
        check_input(data, "Data file")
        if source is not None:
            check_input(source, "Source file")
        elif (source := source_file(data)) is not None:
            typer.echo(
                f"Source side: {source} (translate-train's; --source to use another)", err=True
            )
        check_output(db, data, source, what="Database")
        chosen = [x.strip() for x in labels.split(",") if x.strip()] or None
        serve(
            data, db, host=host, port=port, order=order, budget=budget, seed=seed,
            labels=chosen, source=source, echo=typer.echo,
        )  # fmt: skip
    except XlprojError as err:
        raise _fail(err) from None
    except KeyboardInterrupt:  # uvicorn handles Ctrl-C itself; a second one may land here
        pass
    typer.echo(
        f"Stopped; every saved decision is in {db}. "
        f"Export: review-export {data} OUT.spacy --db {db}"
    )


@app.command("review-export")
def review_export_cli(
    data: Path = typer.Argument(..., help="The .spacy file that was reviewed"),
    output: Path = typer.Argument(..., help="Output .spacy: the reviewed sentences as gold"),
    db: Path = typer.Option(..., "--db", help="SQLite file of the decisions"),
    dev: Path | None = typer.Option(
        None,
        "--dev",
        help="Also write a held-out part of the reviewed sentences here (with --dev-share)",
    ),
    dev_share: float = typer.Option(
        0.0, "--dev-share", help="Share of reviewed sentences held out to --dev, in [0, 1)"
    ),
    keep_unreviewed: bool = typer.Option(
        False,
        "--keep-unreviewed",
        help="Also write the other sentences, labelled as in DATA (the reviewed ones replace "
        "their pseudo-labels)",
    ),
    lang: str = typer.Option("xx", "--lang", "-l", help="Language of OUTPUT's vocab"),
) -> None:
    """Write the reviewed sentences of DATA as gold for `spacy train`.

    Accepted sentences: their spans, every other word O.

    Partly reviewed ones: the words not reviewed are missing (never O).

    Unreviewed and skipped sentences are left out and counted (see --keep-unreviewed).
    """
    from ..review.data import load_review_data
    from ..review.export import export_reviewed
    from ..review.store import ReviewStore

    try:
        check_input(data, "Data file")
        check_input(db, "Database")
        if output.suffix.lower() != ".spacy" or (dev is not None and dev.suffix != ".spacy"):
            raise UsageError("the outputs are spaCy DocBins: give names ending in .spacy.")
        check_output(output, data, db)
        if dev is not None:
            check_output(dev, data, db, output, what="Dev output")
        reviewed = load_review_data(data, find_source=False)
        with ReviewStore(db, reviewed.fingerprint, len(reviewed), data.name) as store:
            stats = export_reviewed(
                reviewed,
                store,
                output,
                lang=lang,
                dev=dev,
                dev_share=dev_share,
                keep_unreviewed=keep_unreviewed,
            )
    except XlprojError as err:
        raise _fail(err) from None
    typer.echo(stats.message(output, dev))
