# Two commands for a new user: `make demo` and `make test`.
# Both set everything up first (a .venv with the package in editable mode and,
# as root, the Debian packages for the firmware side).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: setup system demo test clean

setup: $(STAMP) system

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e ".[train,dev]"
	touch $(STAMP)

system:
	@bash scripts/setup_system.sh

demo: setup
	$(BIN)/python scripts/demo.py

test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -q

clean:
	rm -rf $(VENV) build *.egg-info demo_out .pytest_cache
