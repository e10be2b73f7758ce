# Node binding (bindings/node, npm package `patter`): build, pack, install the tarball in a
# scratch project and test that, type-check a TypeScript user, and check index.d.ts for drift.

NODE_PKG := bindings/node
NODE_SCRATCH := $(CARGO_TARGET_DIR)/node-pkg
NPM ?= npm
NPM_FLAGS := --no-audit --no-fund --loglevel=error

EXTRA_TESTS += test-node
# The conformance runner (tests/node/conformance_runner.js) uses the package test-node installs.
CONFORMANCE_RUNNERS := $(CONFORMANCE_RUNNERS),node
CONFORMANCE_DEPS += test-node
conformance: export NODE_PATH := $(NODE_SCRATCH)/node_modules

.PHONY: test-node build-node bench-node node-deps

## node-deps: the package's dev dependencies, exactly as locked
node-deps: $(NODE_PKG)/node_modules/.stamp
$(NODE_PKG)/node_modules/.stamp: $(NODE_PKG)/package.json $(NODE_PKG)/package-lock.json
	cd $(NODE_PKG) && $(NPM) ci $(NPM_FLAGS)
	touch $@

## build-node: the release addon, index.d.ts and index.mjs (regenerated from the sources)
build-node: node-deps
	cd $(NODE_PKG) && $(NPM) run build --silent

## test-node: node --test against the packed tarball as a user installs it, plus tsc and drift
test-node: venv build-node
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files --error-unmatch $(NODE_PKG)/index.d.ts $(NODE_PKG)/index.mjs >/dev/null && \
	  git diff --exit-code --stat -- $(NODE_PKG)/index.d.ts $(NODE_PKG)/index.mjs || \
	  { echo "test-node: index.d.ts/index.mjs differ from the Rust sources: commit the regenerated files" >&2; exit 1; }; \
	else echo "test-node: not a git checkout, drift check skipped"; fi
	rm -rf $(NODE_SCRATCH) && mkdir -p $(NODE_SCRATCH)/tests
	cd $(NODE_PKG) && $(NPM) pack --silent --pack-destination $(NODE_SCRATCH) >/dev/null
	cd $(NODE_SCRATCH) && echo '{"name":"patter-node-scratch","private":true}' > package.json && \
	  $(NPM) install $(NPM_FLAGS) --no-package-lock ./patter-*.tgz
	cp -R tests/node $(NODE_SCRATCH)/tests/
	cd $(NODE_SCRATCH)/tests/node && $(CURDIR)/$(NODE_PKG)/node_modules/.bin/tsc -p types/tsconfig.json && \
	  $(CURDIR)/$(NODE_PKG)/node_modules/.bin/tsc -p types/tsconfig.esm.json
	cd $(NODE_SCRATCH) && PATTER_REPO_ROOT=$(CURDIR) node --test tests/node/
	PATTER_NODE_PKG=$(NODE_SCRATCH)/node_modules/patter $(PY) -m pytest -q -p no:cacheprovider tests/surface/test_node_surface.py
	cd $(NODE_SCRATCH) && NODE_PATH=$(NODE_SCRATCH)/node_modules PATTER_MODULE=patter node $(CURDIR)/examples/node/call.js >/dev/null

## bench-node: one span through patter vs @opentelemetry/sdk-trace-base (batch processor, no-op exporter)
bench-node: build-node
	cd $(NODE_PKG) && node bench/span-bench.js
