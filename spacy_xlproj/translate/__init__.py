"""Translators: Hugging Face seq2seq, Apertium, existing translations; cache."""
