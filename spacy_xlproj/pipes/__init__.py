"""spaCy pipeline components (registered through the spacy_factories entry point)."""
