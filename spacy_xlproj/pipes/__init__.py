"""spaCy pipeline components (registered through the ``spacy_factories`` entry point).

``xlproj_translate_test`` (``translate_test_pipe``) sets entities on target-language
docs; ``xlproj_translate_train`` (``translate_train_pipe``) attaches a labelled
translation to each source doc; ``xlproj_span_filter`` (``span_filter_pipe``) removes
predicted entities the target language does not call names (``español`` as MISC);
``factories`` holds their light factories. ``standalone_span_filter`` is the span
filter's one home (rules, component, factory), a file that imports nothing from
spacy_xlproj so that packaged pipelines carry it (``scripts/package.py``). What they
share with the corpus readers lives in ``spacy_xlproj.spacy_bridge``.
"""
