# The C ABI (ffi/): libpatter.so / libpatter.a, include/patter.h, its tests and `make install`.

EXTRA_TESTS += test-c

PREFIX ?= /usr/local
DESTDIR ?=
C_LIBDIR := $(CARGO_TARGET_DIR)/release
C_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
C_MAJOR := $(firstword $(subst ., ,$(C_VERSION)))

.PHONY: lib-c test-c header install

## lib-c: build libpatter.so and libpatter.a (release)
lib-c:
	$(CARGO) build --release -p patter-ffi
	ln -sf libpatter.so "$(C_LIBDIR)/libpatter.so.$(C_MAJOR)"  # the SONAME, for programs linked in-tree

## test-c: the header drift check, then C programs against the built library under valgrind
test-c: venv lib-c
	$(CARGO) test -q -p patter-ffi
	$(PY) -m pytest -q tests/c tests/surface/test_c_surface.py

## header: regenerate include/patter.h from ffi/src (cbindgen, via the drift test)
header:
	PATTER_UPDATE_HEADER=1 $(CARGO) test -q -p patter-ffi --test header

## install: header, libpatter.so.X.Y.Z (+ .so.X, .so links), libpatter.a and a generated patter.pc under $(PREFIX)
install: lib-c
	mk/c-package.sh "$(C_LIBDIR)" "$(DESTDIR)$(PREFIX)" "$(abspath $(PREFIX))"

## conformance-runner-c: the C conformance runner (tests/c/conformance_runner.c) for `make conformance`
C_CONFORMANCE_RUNNER := $(CARGO_TARGET_DIR)/conformance/conformance_runner_c
CONFORMANCE_RUNNERS := $(CONFORMANCE_RUNNERS),c
CONFORMANCE_DEPS += conformance-runner-c
.PHONY: conformance-runner-c
conformance-runner-c: lib-c
	mkdir -p "$(dir $(C_CONFORMANCE_RUNNER))"
	$(CC) -std=c11 -Wall -Wextra -Werror -Iinclude tests/c/conformance_runner.c \
	  -L"$(C_LIBDIR)" -lpatter -Wl,-rpath,"$(C_LIBDIR)" -lm -o "$(C_CONFORMANCE_RUNNER)"
