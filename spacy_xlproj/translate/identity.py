"""What produced a translation: the one home of a translator's identity.

A cached translation (the sqlite cache, a projected corpus, a work folder) is valid only
for the exact translator that made it. ``Translator.name`` says which backend, model and
direction it is; that is a *name*: a translations file corrected in place, or a model
retrained into the same folder, keeps it. :func:`translator_identity` adds the
translator's ``fingerprint()``: a hash of the content it translates with (the file's
lines, the model folder's files, the Apertium mode and its data) and of the settings that
change its output (beam size, length limits, precision). Every cache keys on it.

``fingerprint(memo)`` is optional for third-party translators (the Protocol does not
require it): without one, the name alone is the identity, as before.

Hashing a multi-gigabyte model folder on every run would cost seconds to minutes, so
large files' digests are remembered in a :class:`DigestMemo` (the translation cache's
database) under their path, size and modification time: a model is read once, and
read again only when one of its files changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

# Files at least this big have their digest remembered (weights, sentencepiece models);
# smaller ones (configs, vocabularies) are cheaper to read than to look up.
MEMO_MIN_SIZE = 1 << 20


class DigestMemo(Protocol):
    """Remembers the SHA-256 of files by ``(path, size, mtime_ns)``."""

    def get_digest(self, path: str, size: int, mtime_ns: int) -> str | None: ...

    def put_digest(self, path: str, size: int, mtime_ns: int, digest: str) -> None: ...


def file_digest(path: str | Path, memo: DigestMemo | None = None) -> str:
    """The SHA-256 of a file's bytes (remembered in ``memo`` for large files)."""
    path = Path(path)
    stat = path.stat()
    key = str(path.resolve())
    big = memo is not None and stat.st_size >= MEMO_MIN_SIZE
    if big:
        found = memo.get_digest(key, stat.st_size, stat.st_mtime_ns)  # type: ignore[union-attr]
        if found is not None:
            return found
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    hexdigest = digest.hexdigest()
    if big:
        memo.put_digest(key, stat.st_size, stat.st_mtime_ns, hexdigest)  # type: ignore[union-attr]
    return hexdigest


def files_digest(paths: Iterable[tuple[str, Path]], memo: DigestMemo | None = None) -> str:
    """One SHA-256 over named files' contents: ``(name, path)`` pairs, in the order given."""
    digest = hashlib.sha256()
    for name, path in paths:
        digest.update(f"{name}\0{file_digest(path, memo)}\n".encode())
    return digest.hexdigest()


def folder_digest(folder: str | Path, memo: DigestMemo | None = None) -> str:
    """One SHA-256 over every file of a model folder: names and contents.

    Hidden files and folders (``.cache/huggingface`` download records, ``.git``) are
    left out: they say how the files arrived, not what they are.
    """
    root = Path(folder).resolve()
    files = sorted(
        (p.relative_to(root).as_posix(), p)
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    return files_digest(files, memo)


def model_digest(model: str, memo: DigestMemo | None = None) -> str:
    """The content digest of a Hugging Face model: a local folder, or a hub name's
    downloaded snapshot; ``"hub:NAME"`` when neither can be found (the name is all there is).
    """
    local = Path(model).expanduser()
    if local.is_dir():
        return folder_digest(local, memo)
    try:
        from huggingface_hub import snapshot_download

        snapshot = snapshot_download(model, local_files_only=True)
    except Exception:  # noqa: BLE001 - any failure leaves only the name to go by
        return f"hub:{model}"
    return folder_digest(snapshot, memo)


def settings_digest(settings: dict[str, Any]) -> str:
    """A SHA-256 of JSON-able settings (keys sorted)."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf8")).hexdigest()


def translator_identity(translator: Any, memo: DigestMemo | None = None) -> str:
    """``NAME#FINGERPRINT``: the cache key of everything ``translator`` produced.

    ``NAME`` is the translator's ``name``; ``FINGERPRINT`` the first 32 hex digits of its
    ``fingerprint(memo)`` when it has one (a translator without one, or with an empty one,
    is known by its name).
    """
    name = str(getattr(translator, "name", type(translator).__qualname__))
    fingerprint = getattr(translator, "fingerprint", None)
    value = str(fingerprint(memo)) if callable(fingerprint) else ""
    return f"{name}#{value[:32]}" if value else name
