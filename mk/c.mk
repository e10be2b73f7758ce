# The C ABI (ffi/): libpatter.so / libpatter.a, include/patter.h, its tests and `make install`.

EXTRA_TESTS += test-c

PREFIX ?= /usr/local
DESTDIR ?=
C_LIBDIR := $(CARGO_TARGET_DIR)/release
C_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# What rustc reports for the staticlib on Linux (`--print native-static-libs`).
C_STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

.PHONY: lib-c test-c header install

## lib-c: build libpatter.so and libpatter.a (release)
lib-c:
	$(CARGO) build --release -p patter-ffi

## test-c: the header drift check, then C programs against the built library under valgrind
test-c: venv lib-c
	$(CARGO) test -q -p patter-ffi
	$(PY) -m pytest -q tests/c

## header: regenerate include/patter.h from ffi/src (cbindgen, via the drift test)
header:
	PATTER_UPDATE_HEADER=1 $(CARGO) test -q -p patter-ffi --test header

## install: header, both libraries and patter.pc under $(PREFIX) (PREFIX=/usr/local by default)
install: lib-c
	install -d "$(DESTDIR)$(PREFIX)/include" "$(DESTDIR)$(PREFIX)/lib/pkgconfig"
	install -m 0644 include/patter.h "$(DESTDIR)$(PREFIX)/include/patter.h"
	install -m 0755 "$(C_LIBDIR)/libpatter.so" "$(DESTDIR)$(PREFIX)/lib/libpatter.so"
	install -m 0644 "$(C_LIBDIR)/libpatter.a" "$(DESTDIR)$(PREFIX)/lib/libpatter.a"
	printf '%s\n' \
	  'prefix=$(abspath $(PREFIX))' \
	  'exec_prefix=$${prefix}' \
	  'libdir=$${exec_prefix}/lib' \
	  'includedir=$${prefix}/include' \
	  '' \
	  'Name: patter' \
	  'Description: libpatter: OpenTelemetry traces, cost and call records for voice-AI agents (C ABI)' \
	  'Version: $(C_VERSION)' \
	  'Libs: -L$${libdir} -lpatter' \
	  'Libs.private: $(C_STATIC_LIBS)' \
	  'Cflags: -I$${includedir}' \
	  > "$(DESTDIR)$(PREFIX)/lib/pkgconfig/patter.pc"

## conformance-runner-c: the C conformance runner (tests/c/conformance_runner.c) for `make conformance`
C_CONFORMANCE_RUNNER := $(CARGO_TARGET_DIR)/conformance/conformance_runner_c
CONFORMANCE_RUNNERS := $(CONFORMANCE_RUNNERS),c
CONFORMANCE_DEPS += conformance-runner-c
.PHONY: conformance-runner-c
conformance-runner-c: lib-c
	mkdir -p "$(dir $(C_CONFORMANCE_RUNNER))"
	$(CC) -std=c11 -Wall -Wextra -Werror -Iinclude tests/c/conformance_runner.c \
	  -L"$(C_LIBDIR)" -lpatter -Wl,-rpath,"$(C_LIBDIR)" -lm -o "$(C_CONFORMANCE_RUNNER)"
