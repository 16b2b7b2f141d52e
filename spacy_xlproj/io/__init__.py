"""Reading and writing corpora: column files, plain text, Pharaoh links, DocBin."""
