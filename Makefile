# libpatter — the two commands: `make demo` and `make test`. Both set themselves up.
# Per-binding targets live in mk/*.mk (one file per binding).

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export CARGO_TARGET_DIR ?= $(CURDIR)/target

.PHONY: all demo test lint test-rust test-e2e test-docs venv build clean bench conformance conformance-regen
all: build

# Conformance runners checked by `make conformance` (each binding's mk file adds its own, and
# the targets that build it to CONFORMANCE_DEPS).
CONFORMANCE_RUNNERS := rust
CONFORMANCE_DEPS :=

# Per-binding targets; included before the rules below so EXTRA_TESTS and CONFORMANCE_* are set.
-include mk/*.mk

## venv: the test virtualenv (receiver's protobuf definitions, pytest)
venv: $(VENV)/.stamp
$(VENV)/.stamp: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r tests/requirements.txt
	touch $@

build:
	$(CARGO) build --workspace --examples

## demo: a simulated multi-turn call through the library, then that call through `patter show`
DEMO_LOG := $(CARGO_TARGET_DIR)/demo/log
demo:
	@if [ -z "$$PATTER_LOG_DIR" ]; then rm -rf "$(DEMO_LOG)"; fi
	PATTER_LOG_DIR="$${PATTER_LOG_DIR:-$(DEMO_LOG)}" $(CARGO) run -p patter-core --example demo
	PATTER_LOG_DIR="$${PATTER_LOG_DIR:-$(DEMO_LOG)}" $(CARGO) run -q -p patter-core --bin patter -- show CA-demo-0001

## test: every test (Rust, e2e against a real OTLP receiver, C, Python, Node, conformance)
test: lint test-rust test-e2e $(EXTRA_TESTS) conformance test-docs test-dist
	@echo "make test: all suites passed"

## lint: rustfmt (rustfmt.toml) and clippy with warnings as errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --exclude patter-node --all-targets -- -D warnings
	$(CARGO) clippy -p patter-node -- -D warnings

test-rust:
	$(CARGO) test --workspace

test-e2e: venv
	$(CARGO) build -p patter-core --examples
	$(PY) -m pytest -q tests/e2e

## test-docs: every code block of the READMEs, run as written against the installed artefacts
test-docs: venv test-python test-node lib-c
	$(PY) -m pytest -q tests/docs/test_snippets.py tests/docs/test_benchmarks_quote.py

bench:
	$(CARGO) bench -p patter-core

clean:
	$(CARGO) clean
	rm -rf $(VENV)


## conformance: every language's runner on every scenario, compared byte for byte with golden/
export CONFORMANCE_RUNNERS
conformance: venv $(CONFORMANCE_DEPS)
	$(CARGO) build -p patter-core --example conformance_runner
	cd tests/conformance && ../../$(PY) -m pytest -q .

## conformance-regen: rewrite golden/ from the Rust runner (review the diff like code)
conformance-regen: venv
	$(CARGO) build -p patter-core --example conformance_runner
	cd tests/conformance && ../../$(PY) regen.py
