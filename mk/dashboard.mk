# The dashboard in a real browser (tests/browser): headless Chromium from the Debian package
# `chromium` (bash .ci/run installs it when missing), driven by playwright-core (npm, no browser
# download), against `patter dashboard` over trees of calls written by the library itself.

BROWSER_DIR := tests/browser
BROWSER_SHOTS := $(CARGO_TARGET_DIR)/dashboard
EXTRA_TESTS += test-browser

.PHONY: test-browser browser-deps

## browser-deps: playwright-core, exactly as locked
browser-deps: $(BROWSER_DIR)/node_modules/.stamp
$(BROWSER_DIR)/node_modules/.stamp: $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	cd $(BROWSER_DIR) && $(NPM) ci $(NPM_FLAGS)
	touch $@

## test-browser: the dashboard page in headless Chromium (screenshots in target/dashboard/)
test-browser: browser-deps
	@command -v chromium >/dev/null || { echo "test-browser: chromium is missing (apt-get install chromium; bash .ci/run does it)" >&2; exit 1; }
	$(CARGO) build --release -p patter-core --bin patter --example dashboard_fixture
	cd $(BROWSER_DIR) && PATTER_BIN=$(CARGO_TARGET_DIR)/release/patter \
	  PATTER_FIXTURE=$(CARGO_TARGET_DIR)/release/examples/dashboard_fixture PATTER_SHOTS=$(BROWSER_SHOTS) PATTER_TREES=$(BROWSER_SHOTS)/trees \
	  node --test --test-concurrency=1 dashboard.test.js
