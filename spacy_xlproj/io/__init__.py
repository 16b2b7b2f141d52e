"""Reading and writing corpora: column files, plain text, Pharaoh links, DocBin."""

from .columns import (
    ReadReport,
    iter_columns,
    read_columns,
    spans_to_tags,
    tags_to_spans,
    write_columns,
)
from .docbin import (
    blank_vocab,
    doc_to_sentence,
    iter_docbin,
    read_docbin,
    sentence_to_doc,
    sentences_to_docbin,
    write_docbin,
)
from .formats import detect_format, iter_sentences, read_sentences, write_sentences
from .pharaoh import (
    check_links,
    format_links,
    iter_pharaoh,
    parse_links,
    read_pharaoh,
    write_pharaoh,
)
from .text import DataFileNotFoundError, iter_lines, iter_text, read_text, write_text

__all__ = [
    "DataFileNotFoundError",
    "ReadReport",
    "blank_vocab",
    "check_links",
    "detect_format",
    "doc_to_sentence",
    "format_links",
    "iter_columns",
    "iter_docbin",
    "iter_lines",
    "iter_pharaoh",
    "iter_sentences",
    "iter_text",
    "parse_links",
    "read_columns",
    "read_docbin",
    "read_pharaoh",
    "read_sentences",
    "read_text",
    "sentence_to_doc",
    "sentences_to_docbin",
    "spans_to_tags",
    "tags_to_spans",
    "write_columns",
    "write_docbin",
    "write_pharaoh",
    "write_sentences",
    "write_text",
]
