"""Language codes: ISO 639-1/639-3 in, each backend's own codes out.

Users name languages the way the data sets do (``es``, ``spa``, ``hau``); NLLB wants
``spa_Latn``, M2M100 wants ``es``, Apertium modes mix both (``eng-spa``, ``en-eo``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..errors import UsageError

# ISO 639-1 -> ISO 639-3 for the languages of this project and the common ones.
ISO1_TO_ISO3: dict[str, str] = {
    "af": "afr", "am": "amh", "ar": "ara", "as": "asm", "ast": "ast", "az": "aze",
    "ba": "bak", "be": "bel", "bg": "bul", "bn": "ben", "bo": "bod", "br": "bre",
    "bs": "bos", "ca": "cat", "ceb": "ceb", "cs": "ces", "cy": "cym", "da": "dan",
    "de": "deu", "el": "ell", "en": "eng", "eo": "epo", "es": "spa", "et": "est",
    "eu": "eus", "fa": "fas", "ff": "ful", "fi": "fin", "fo": "fao", "fr": "fra",
    "fy": "fry", "ga": "gle", "gd": "gla", "gl": "glg", "gn": "grn", "gu": "guj",
    "ha": "hau", "he": "heb", "hi": "hin", "hr": "hrv", "ht": "hat", "hu": "hun",
    "hy": "hye", "id": "ind", "ig": "ibo", "ilo": "ilo", "is": "isl", "it": "ita",
    "ja": "jpn", "jv": "jav", "ka": "kat", "kk": "kaz", "km": "khm", "kn": "kan",
    "ko": "kor", "ku": "kur", "ky": "kir", "lb": "ltz", "lg": "lug", "ln": "lin",
    "lo": "lao", "lt": "lit", "lv": "lav", "mg": "mlg", "mi": "mri", "mk": "mkd",
    "ml": "mal", "mn": "mon", "mr": "mar", "ms": "msa", "mt": "mlt", "my": "mya",
    "ne": "nep", "nl": "nld", "nn": "nno", "no": "nor", "nb": "nob", "ny": "nya",
    "oc": "oci", "om": "orm", "or": "ori", "pa": "pan", "pl": "pol", "ps": "pus",
    "pt": "por", "qu": "que", "ro": "ron", "ru": "rus", "rw": "kin", "sd": "snd",
    "si": "sin", "sk": "slk", "sl": "slv", "sn": "sna", "so": "som", "sq": "sqi",
    "sr": "srp", "ss": "ssw", "su": "sun", "sv": "swe", "sw": "swa", "ta": "tam",
    "te": "tel", "tg": "tgk", "th": "tha", "ti": "tir", "tk": "tuk", "tl": "tgl",
    "tn": "tsn", "tr": "tur", "ts": "tso", "tt": "tat", "ug": "uig", "uk": "ukr",
    "ur": "urd", "uz": "uzb", "vi": "vie", "wo": "wol", "xh": "xho", "yi": "yid",
    "yo": "yor", "zh": "zho", "zu": "zul",
}  # fmt: skip

ISO3_TO_ISO1: dict[str, str] = {v: k for k, v in ISO1_TO_ISO3.items() if len(k) == 2}
# Bibliographic / alternative three-letter codes that people also use.
ISO3_TO_ISO1.update(
    {"ger": "de", "fre": "fr", "dut": "nl", "baq": "eu", "ice": "is", "mac": "mk", "chi": "zh"}
)
ISO3_TO_ISO1.update({"swh": "sw", "arb": "ar", "pes": "fa", "zsm": "ms", "cmn": "zh"})

# NLLB-200 codes for languages whose NLLB code is not ``<iso3>_<main script>`` or whose
# script is not Latin. Everything else is found by the ISO 639-3 prefix in the model.
NLLB_CODES: dict[str, str] = {
    "en": "eng_Latn", "es": "spa_Latn", "ca": "cat_Latn", "gl": "glg_Latn", "eo": "epo_Latn",
    "eu": "eus_Latn", "is": "isl_Latn", "mk": "mkd_Cyrl", "ha": "hau_Latn", "sw": "swh_Latn",
    "yo": "yor_Latn", "de": "deu_Latn", "fr": "fra_Latn", "it": "ita_Latn", "pt": "por_Latn",
    "nl": "nld_Latn", "ar": "arb_Arab", "fa": "pes_Arab", "ms": "zsm_Latn", "et": "est_Latn",
    "lv": "lvs_Latn", "zh": "zho_Hans", "uz": "uzn_Latn", "mn": "khk_Cyrl", "ne": "npi_Deva",
    "or": "ory_Orya", "ps": "pbt_Arab", "sq": "als_Latn", "az": "azj_Latn", "qu": "quy_Latn",
    "om": "gaz_Latn", "yi": "ydd_Hebr", "no": "nob_Latn", "nb": "nob_Latn", "nn": "nno_Latn",
    "ku": "kmr_Latn", "mg": "plt_Latn", "ru": "rus_Cyrl", "uk": "ukr_Cyrl", "bg": "bul_Cyrl",
    "sr": "srp_Cyrl", "be": "bel_Cyrl", "kk": "kaz_Cyrl", "ky": "kir_Cyrl", "tg": "tgk_Cyrl",
    "tt": "tat_Cyrl", "ba": "bak_Cyrl", "el": "ell_Grek", "he": "heb_Hebr", "hi": "hin_Deva",
    "mr": "mar_Deva", "bn": "ben_Beng", "as": "asm_Beng", "ta": "tam_Taml", "te": "tel_Telu",
    "kn": "kan_Knda", "ml": "mal_Mlym", "gu": "guj_Gujr", "pa": "pan_Guru", "si": "sin_Sinh",
    "th": "tha_Thai", "lo": "lao_Laoo", "km": "khm_Khmr", "my": "mya_Mymr", "ka": "kat_Geor",
    "hy": "hye_Armn", "am": "amh_Ethi", "ti": "tir_Ethi", "ja": "jpn_Jpan", "ko": "kor_Hang",
    "ur": "urd_Arab", "sd": "snd_Arab", "ug": "uig_Arab", "bo": "bod_Tibt", "gn": "grn_Latn",
}  # fmt: skip


def normalize(code: str) -> str:
    """Return the ISO 639-1 code of ``code`` when there is one, else ``code`` lower-cased.

    Accepts ``es``, ``spa``, ``ES``, ``es-ES``/``es_ES`` (region dropped) and NLLB codes
    (``spa_Latn`` -> ``es``).
    """
    raw = code.strip()
    low = raw.lower().replace("-", "_")
    base = low.split("_", 1)[0]
    if base in ISO1_TO_ISO3:
        return base
    if base in ISO3_TO_ISO1:
        return ISO3_TO_ISO1[base]
    return base


def iso3(code: str) -> str:
    """Return the ISO 639-3 code of ``code`` (``es`` -> ``spa``), or ``code`` normalised."""
    norm = normalize(code)
    return ISO1_TO_ISO3.get(norm, norm)


def variants(code: str) -> list[str]:
    """Every spelling of a language that a backend might use, most common first."""
    norm = normalize(code)
    out = [norm, ISO1_TO_ISO3.get(norm, norm), code.strip().lower()]
    if norm == "sw":
        out.append("swh")
    return list(dict.fromkeys(out))


def closest(code: str, valid: Iterable[str], n: int = 5) -> list[str]:
    """Return up to ``n`` valid codes that look most like ``code`` (for error messages)."""
    valid = sorted(set(valid))
    keys = list(dict.fromkeys([code, *variants(code)]))
    # Codes that share the language prefix come first: they are almost always what was meant.
    prefixed = [v for v in valid if any(v.lower().startswith(k.lower()) for k in keys if k)]
    fuzzy: list[str] = []
    for key in keys:
        fuzzy.extend(difflib.get_close_matches(key, valid, n=n, cutoff=0.3))
    return list(dict.fromkeys(prefixed + fuzzy))[:n]


class UnknownLanguageError(UsageError):
    """A language code that the backend does not know; the message lists the closest ones."""

    def __init__(self, code: str, backend: str, valid: Iterable[str]) -> None:
        valid = list(valid)
        near = closest(code, valid)
        message = f"Unknown language code '{code}' for {backend}."
        if near:
            message += f" Closest valid codes: {', '.join(near)}."
        elif valid:
            message += f" Valid codes include: {', '.join(sorted(valid)[:10])}."
        super().__init__(message)
        self.code = code
        self.backend = backend
        self.suggestions = near


def to_nllb(code: str, valid: Iterable[str]) -> str:
    """Map ``code`` to an NLLB-200 code (``es`` -> ``spa_Latn``) present in ``valid``."""
    valid = set(valid)
    if code in valid:
        return code
    norm = normalize(code)
    preferred = NLLB_CODES.get(norm)
    if preferred in valid:
        return preferred  # type: ignore[return-value]
    for prefix in variants(code):
        matches = sorted(v for v in valid if v.split("_", 1)[0] == prefix)
        latin = [m for m in matches if m.endswith("_Latn")]
        if latin or matches:
            return (latin or matches)[0]
    raise UnknownLanguageError(code, "NLLB", valid)


def to_m2m100(code: str, valid: Iterable[str]) -> str:
    """Map ``code`` to an M2M100 code (``spa`` -> ``es``) present in ``valid``."""
    valid = set(valid)
    for candidate in [code, *variants(code)]:
        if candidate in valid:
            return candidate
    raise UnknownLanguageError(code, "M2M100", valid)


def to_mbart(code: str, valid: Iterable[str]) -> str:
    """Map ``code`` to an mBART-50 code (``es`` -> ``es_XX``) present in ``valid``."""
    valid = set(valid)
    if code in valid:
        return code
    norm = normalize(code)
    matches = sorted(v for v in valid if v.split("_", 1)[0] == norm)
    if matches:
        return matches[0]
    raise UnknownLanguageError(code, "mBART-50", valid)
