# `make bench-compare`: every side-by-side comparison of libpatter with the reference it is meant
# to beat (the OpenTelemetry Python and JS SDKs, getpatter 0.7.0's hydrate), in one run, written
# to BENCHMARKS.md. The reference SDKs are installed, pinned, into throwaway environments under
# target/ (PyPI and npm are needed once). A benchmark, not a test: it asserts nothing.

BENCH_WORK := $(CARGO_TARGET_DIR)/bench-compare
BENCH_NODE := $(BENCH_WORK)/node
BENCH_NODE_DEPS := @opentelemetry/api@1.9.1 @opentelemetry/sdk-trace-base@2.12.1 \
  @opentelemetry/resources@2.12.1 @opentelemetry/exporter-trace-otlp-proto@0.223.1

.PHONY: bench-compare
bench-compare: build-node
	$(call py_fresh_venv,$(PY_BENCH_VENV))
	$(PY_BENCH_VENV)/bin/python -m pip install $(PIP_FLAGS) -r bindings/python/bench/compare-requirements.txt
	rm -rf $(BENCH_NODE) && mkdir -p $(BENCH_NODE)
	cd $(NODE_PKG) && $(NPM) pack --silent --pack-destination $(BENCH_NODE) >/dev/null
	cd $(BENCH_NODE) && echo '{"name":"patter-bench","private":true}' > package.json && \
	  $(NPM) install $(NPM_FLAGS) --no-package-lock ./patter-*.tgz $(BENCH_NODE_DEPS)
	$(PY_BENCH_VENV)/bin/python bindings/python/bench/bench_compare.py --work $(BENCH_WORK) \
	  --node-modules $(BENCH_NODE)/node_modules --output BENCHMARKS.md
