# libpatter — the two commands: `make demo` and `make test`. Both set themselves up.
# Per-binding targets live in mk/*.mk (one file per binding).

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export CARGO_TARGET_DIR ?= $(CURDIR)/target

.PHONY: all demo test test-rust test-e2e venv build clean bench
all: build

## venv: the test virtualenv (receiver's protobuf definitions, pytest)
venv: $(VENV)/.stamp
$(VENV)/.stamp: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r tests/requirements.txt
	touch $@

build:
	$(CARGO) build --workspace --examples

## demo: a simulated multi-turn call through the library
demo:
	$(CARGO) run -q -p patter-core --example demo

## test: every test (Rust, e2e against a real OTLP receiver, C, Python, Node, conformance)
test: test-rust test-e2e $(EXTRA_TESTS)
	@echo "make test: all suites passed"

test-rust:
	$(CARGO) test --workspace

test-e2e: venv
	$(CARGO) build -p patter-core --examples
	$(PY) -m pytest -q tests/e2e

bench:
	$(CARGO) bench -p patter-core

clean:
	$(CARGO) clean
	rm -rf $(VENV)

-include mk/*.mk
