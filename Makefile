# Thin wrappers; the logic lives in leadline/cli.py, pyproject.toml and .ci/run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: setup run test e2e lint bench clean spec-sync

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: setup
	PORT=$(PORT) $(BIN)/leadline run

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: setup
	$(BIN)/python -m pytest e2e $(PYTEST_ARGS)

lint: setup
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: setup
	@for f in bench/*.py; do case $$f in bench/evidence_data.py|bench/evidence_baseline.py) continue;; esac; \
	  echo "== $$f"; $(BIN)/python $$f || exit 1; done  # evidence_speed.py runs those two itself

# The spec lives outside the repository; docs/spec/ holds byte-identical copies (docs/spec/README.md).
spec-sync:
	@if [ -f $(SHARED)/PRODUCT.md ]; then cp $(SHARED)/PRODUCT.md $(SHARED)/EVIDENCE-DATA.md docs/spec/ \
	  && echo "docs/spec/ copied from $(SHARED)"; else echo "no $(SHARED)/PRODUCT.md: docs/spec/ left as it is"; fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
