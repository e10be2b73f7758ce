# Python binding (bindings/python): `make test-python` builds the abi3 wheel with maturin (the PEP
# 517 backend, from PyPI) into a FRESH venv and runs tests/python against the installed package,
# never the source tree. `make bench-python` compares span and transcript costs with the pure-Python
# OpenTelemetry SDK and a plain-Python JSONL logger.

PY_VENV ?= $(CARGO_TARGET_DIR)/py-venv
PY_BENCH_VENV ?= $(CARGO_TARGET_DIR)/py-bench-venv
# maturin builds in its own target dir so it never invalidates cargo's (different pyo3 features).
PY_BUILD_DIR ?= $(CARGO_TARGET_DIR)/py-build
PIP_FLAGS := -q --disable-pip-version-check

EXTRA_TESTS += test-python
CONFORMANCE_RUNNERS := $(CONFORMANCE_RUNNERS),python
CONFORMANCE_DEPS += test-python
.PHONY: test-python bench-python python-wheel stubs

define py_fresh_venv
	rm -rf $(1)
	$(PYTHON) -m venv $(1)
	@echo "building the patter wheel (maturin, release; a few minutes the first time)"
	CARGO_TARGET_DIR=$(PY_BUILD_DIR) $(1)/bin/python -m pip install --disable-pip-version-check ./bindings/python
endef

test-python:
	$(call py_fresh_venv,$(PY_VENV))
	$(PY_VENV)/bin/python -m pip install $(PIP_FLAGS) -r tests/python/requirements.txt
	$(PY_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/python

## python-wheel: the abi3 wheel alone (target/py-build/wheels)
python-wheel:
	$(PYTHON) -m venv $(PY_BUILD_DIR)/venv
	$(PY_BUILD_DIR)/venv/bin/python -m pip install $(PIP_FLAGS) 'maturin>=1.7,<2'
	CARGO_TARGET_DIR=$(PY_BUILD_DIR) $(PY_BUILD_DIR)/venv/bin/maturin build --release -m bindings/python/Cargo.toml -o $(PY_BUILD_DIR)/wheels

bench-python:
	$(call py_fresh_venv,$(PY_BENCH_VENV))
	$(PY_BENCH_VENV)/bin/python -m pip install $(PIP_FLAGS) -r bindings/python/bench/requirements.txt
	$(PY_BENCH_VENV)/bin/python bindings/python/bench/bench.py

## stubs: regenerate patter/_native.pyi from core/api/manifest.json (test-python fails on drift)
stubs:
	$(PYTHON) tools/api/gen_pyi.py
