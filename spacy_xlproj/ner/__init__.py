"""NER backends used by projection: spaCy pipelines, HF token classification."""
