"""Neural translation with CTranslate2, on a Hugging Face seq2seq folder converted once.

CTranslate2 runs the same NLLB, M2M100 and Marian models several times faster than
transformers' ``generate``, above all on CPU with int8 weights. The folder (saved with
``save_pretrained``) is converted on first use into
``<cache>/ct2/<folder name>-<compute type>-<fingerprint>/`` and reused afterwards; the
fingerprint covers the folder's path and each file's name, size and modification time,
so a changed model is converted again. ``<cache>`` is the translation cache's folder:
the ``cache_dir`` given to :func:`~.build.build_translator`, else ``$XLPROJ_CACHE_DIR``,
else ``~/.cache/spacy_xlproj``.

Tokenisation, language codes, splitting of long sentences, batching by length and
decoding are the Hugging Face translator's (:class:`~.hf.Seq2SeqText`): only the
forward passes run in CTranslate2, which reads and writes token strings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import MissingDependencyError
from ..registry import translators
from .cache import default_cache_dir
from .hf import ModelLoadError, Seq2SeqText, load_tokenizer

logger = logging.getLogger(__name__)

# Compute types that say nothing about how the weights are stored: the model is then
# converted at the precision of its checkpoint and CTranslate2 picks at load time.
_UNQUANTIZED = ("default", "auto")
_CONVERTED_MARK = "spacy_xlproj_source.json"


def default_ct2_dir() -> Path:
    """Where converted models are kept: ``<translation cache folder>/ct2``."""
    return default_cache_dir() / "ct2"


def fingerprint(model_dir: Path) -> str:
    """A short hash of the folder's absolute path and of each file's name, size and
    modification time: cheap on a multi-gigabyte model, and changes when any file does."""
    model_dir = model_dir.resolve()
    digest = hashlib.sha256(str(model_dir).encode("utf8"))
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        rel = path.relative_to(model_dir).as_posix()
        digest.update(f"\0{rel}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def converted_dir(model_dir: Path, compute_type: str, root: str | Path | None = None) -> Path:
    """The folder that holds (or will hold) the conversion of ``model_dir``."""
    base = Path(root).expanduser() if root is not None else default_ct2_dir()
    return base / f"{model_dir.resolve().name}-{compute_type}-{fingerprint(model_dir)}"


def convert(model_dir: Path, out: Path, compute_type: str) -> Path:
    """Convert a Hugging Face seq2seq folder into a CTranslate2 model at ``out``.

    Written into a temporary sibling folder and renamed at the end, so a killed
    conversion leaves no half model behind; a conversion finished meanwhile by another
    process is kept.
    """
    converter = _converter_class()(str(model_dir))
    quantization = None if compute_type in _UNQUANTIZED else compute_type
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        converter.convert(str(tmp), quantization=quantization, force=True)
        source = {"source": str(model_dir.resolve()), "compute_type": compute_type}
        (tmp / _CONVERTED_MARK).write_text(json.dumps(source, indent=2), encoding="utf8")
        try:
            os.replace(tmp, out)
        except OSError:
            if not (out / _CONVERTED_MARK).exists():
                raise
            logger.info("%s was converted by another process meanwhile", model_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _converter_class() -> type:
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):  # type: ignore[misc]
        """Loads the tokenizer and the weights the way the Hugging Face translator does."""

        def load_model(self, model_class: Any, path: str, **kwargs: Any) -> Any:
            # Recent CTranslate2 passes ``dtype``, which transformers before 4.56 calls
            # ``torch_dtype``; the older name is still accepted by newer versions.
            if "dtype" in kwargs:
                kwargs["torch_dtype"] = kwargs.pop("dtype")
            return model_class.from_pretrained(path, **kwargs)

        def load_tokenizer(self, tokenizer_class: Any, path: str, **kwargs: Any) -> Any:
            tokenizer, config = load_tokenizer(path)
            return _IdOrderedVocab(tokenizer, config.vocab_size)

    return Converter


class _IdOrderedVocab:
    """A tokenizer whose ``get_vocab`` names every row of the model's embeddings, in id
    order.

    CTranslate2 names the rows after ``get_vocab()`` plus the language tokens it finds in
    the special tokens map; slow M2M100 tokenizers leave their language tokens out of
    both. Naming row ``i`` after ``convert_ids_to_tokens(i)`` makes a token string mean
    the same id in both engines.
    """

    num_madeup_words = 0  # every row is named already

    def __init__(self, tokenizer: Any, size: int) -> None:
        self._tokenizer = tokenizer
        self._size = size

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)

    def get_vocab(self) -> dict[str, int]:
        vocab: dict[str, int] = {}
        for i, token in enumerate(self._names()):
            # Rows without a token of their own (fairseq's "madeupword" padding rows)
            # come back as None or as the unknown token; they need distinct names.
            if token is None or token in vocab:
                token = f"madeupword{i:04d}"
            vocab[token] = i
        return vocab

    def _names(self) -> list[str | None]:
        ids = list(range(self._size))
        try:
            return list(self._tokenizer.convert_ids_to_tokens(ids))
        except IndexError:  # a sentencepiece tokenizer asked for a row past its pieces
            return [self._name(i) for i in ids]

    def _name(self, i: int) -> str | None:
        try:
            return self._tokenizer.convert_ids_to_tokens(i)  # type: ignore[no-any-return]
        except IndexError:
            return None


def read_vocabulary(model_dir: Path) -> list[str]:
    """The target vocabulary of a converted model: token strings in id order."""
    for name in ("target_vocabulary", "shared_vocabulary"):
        if (path := model_dir / f"{name}.json").is_file():
            return list(json.loads(path.read_text(encoding="utf8")))
        if (path := model_dir / f"{name}.txt").is_file():
            return path.read_text(encoding="utf8").split("\n")[:-1]
    raise ModelLoadError(f"No vocabulary file in the converted model {model_dir}.")


class CT2Translator(Seq2SeqText):
    """Translate with a Hugging Face seq2seq folder run by CTranslate2.

    model (str): Local folder saved with ``save_pretrained`` (NLLB-200, M2M100, Marian).
    src_lang (str): Source language (ISO 639-1/639-3 or the model's own code).
    tgt_lang (str): Target language.
    batch_size (int): Sentences per forward pass (sentences are sorted by length first).
    num_beams (int): Beam size; 1 is greedy decoding.
    max_length (int | None): Most tokens generated per sentence; None: twice the input
        length plus 16, capped by the model's limit.
    device (str | None): ``cpu``, ``cuda`` or ``cuda:N``; None picks the GPU when
        CTranslate2 sees one.
    compute_type (str | None): CTranslate2 compute type (``int8``, ``float16``,
        ``float32``, ``int8_float16``…); None: ``int8`` on CPU, ``float16`` on GPU. The
        model is converted once per compute type.
    threads (int): CPU threads per translation; 0 lets CTranslate2 choose.
    max_input_tokens (int | None): Longest input before a sentence is split; None reads
        the limit from the tokenizer and the model config.
    ct2_dir (str | Path | None): Folder of converted models; None: :func:`default_ct2_dir`.
    """

    def __init__(
        self,
        model: str | Path,
        src_lang: str,
        tgt_lang: str,
        *,
        batch_size: int = 16,
        num_beams: int = 4,
        max_length: int | None = None,
        device: str | None = None,
        compute_type: str | None = None,
        threads: int = 0,
        max_input_tokens: int | None = None,
        ct2_dir: str | Path | None = None,
    ) -> None:
        source = Path(model).expanduser()
        if not (source / "config.json").is_file():
            raise ModelLoadError(
                f"No Hugging Face model folder at {source} (no config.json): pass ct2:DIR "
                "with a folder saved by save_pretrained(), e.g. from huggingface-cli "
                "download MODEL --local-dir DIR."
            )
        try:
            import ctranslate2
        except ImportError as err:
            raise MissingDependencyError("CTranslate2", "pip install 'spacy-xlproj[ct2]'") from err
        tokenizer, config = load_tokenizer(str(source))
        self._init_text(
            tokenizer,
            config,
            str(model),
            src_lang,
            tgt_lang,
            batch_size=batch_size,
            num_beams=num_beams,
            max_length=max_length,
            max_input_tokens=max_input_tokens,
        )
        # transformers forces the end token at the last allowed position (Marian);
        # CTranslate2 just stops there, so it is given one step less.
        self._forced_eos = _forced_eos(source, config)

        kind, _, index = (device or "").partition(":")
        if not kind:
            kind = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        self.device = kind
        self.compute_type = compute_type or ("int8" if kind == "cpu" else "float16")
        self.model_dir = converted_dir(source, self.compute_type, ct2_dir)
        self.converted = not (self.model_dir / _CONVERTED_MARK).exists()
        if self.converted:
            logger.info("Converting %s for CTranslate2 into %s", source, self.model_dir)
            convert(source, self.model_dir, self.compute_type)
        self.model = ctranslate2.Translator(
            str(self.model_dir),
            device=kind,
            device_index=int(index or 0),
            compute_type=self.compute_type,
            intra_threads=threads,
        )
        # Token strings by id and back, as the conversion named them (the same ids as
        # the tokenizer's): exact where convert_ids_to_tokens is not (unnamed rows).
        self._vocab = read_vocabulary(self.model_dir)
        self._ids = {token: i for i, token in enumerate(self._vocab)}
        bos = self.family.forced_bos_token_id
        self._target_prefix = [self._vocab[bos]] if bos is not None else []
        self.name = f"{self._cache_name('ct2')}:{self.compute_type}"

    def output_settings(self) -> dict[str, Any]:
        """:meth:`Seq2SeqText.output_settings` and the compute type."""
        return {**super().output_settings(), "compute_type": self.compute_type}

    def _generate(self, batch: list[str]) -> list[str]:
        ids = self._encode(batch)
        tokens = [[self._vocab[i] for i in x] for x in ids]
        budget = self._max_new_tokens(max(len(x) for x in ids)) - int(self._forced_eos)
        results = self.model.translate_batch(
            tokens,
            target_prefix=[self._target_prefix] * len(batch) if self._target_prefix else None,
            beam_size=self.num_beams,
            max_decoding_length=max(budget, len(self._target_prefix)),
            # As transformers: the end token may come first, inputs were split already.
            min_decoding_length=0,
            max_input_length=0,
        )
        return self._decode([[self._ids[t] for t in r.hypotheses[0]] for r in results])


def _forced_eos(source: Path, config: Any) -> bool:
    """Whether transformers' ``generate`` would force the end token for this model."""
    from transformers import GenerationConfig

    try:
        generation = GenerationConfig.from_pretrained(source)
    except OSError:  # no generation_config.json: generate reads the model config
        generation = GenerationConfig.from_model_config(config)
    return generation.forced_eos_token_id is not None


# The class itself is the registered function: its signature is the config block's.
translators.register("spacy_xlproj.CT2Translator.v1", func=CT2Translator)
