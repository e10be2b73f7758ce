# `make dist`: what a user installs without a Rust toolchain, built into dist/:
#   patter-<v>-cp310-abi3-manylinux_*.whl     the abi3 wheel (maturin; its manylinux check sets the tag)
#   patter-<v>.tgz                           the npm package with the prebuilt patter.node for this platform
#   patter-c-<v>-<arch>-linux.tar.gz         libpatter.so.<v> (SONAME libpatter.so.<major>), libpatter.a,
#                                            patter.h and a relocatable patter.pc
# `make test-dist` installs each into a fresh environment whose PATH has no cargo or rustc and runs
# the README's snippets for that language (tests/docs/test_dist.py).

DIST := $(CURDIR)/dist
ARCH := $(shell uname -m)
C_DIST_NAME := patter-c-$(C_VERSION)-$(ARCH)-linux
.PHONY: dist test-dist

dist: build-node lib-c
	rm -rf $(DIST) && mkdir -p $(DIST)
	$(PYTHON) -m venv $(PY_BUILD_DIR)/venv
	$(PY_BUILD_DIR)/venv/bin/python -m pip install $(PIP_FLAGS) 'maturin>=1.7,<2'
	CARGO_TARGET_DIR=$(PY_BUILD_DIR) $(PY_BUILD_DIR)/venv/bin/maturin build --release \
	  -m bindings/python/Cargo.toml -o $(DIST)
	cd $(NODE_PKG) && $(NPM) pack --silent --pack-destination $(DIST) >/dev/null
	mk/c-package.sh "$(C_LIBDIR)" "$(DIST)/$(C_DIST_NAME)" '$${pcfiledir}/../..'
	tar -C $(DIST) -czf $(DIST)/$(C_DIST_NAME).tar.gz $(C_DIST_NAME)
	rm -rf $(DIST)/$(C_DIST_NAME)
	@ls -l $(DIST)

test-dist: venv dist
	$(PY) -m pytest -q tests/docs/test_dist.py
