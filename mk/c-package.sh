#!/usr/bin/env bash
# Installs the C library into a prefix the way a user gets it (used by `make install` and by
# `make dist`): include/patter.h, lib/libpatter.so.MAJOR.MINOR.PATCH (SONAME libpatter.so.MAJOR)
# with its libpatter.so.MAJOR and libpatter.so links, lib/libpatter.a, and a generated
# lib/pkgconfig/patter.pc whose static flags are what rustc reports for this platform.
#
#   mk/c-package.sh <libdir-of-the-build> <install-dir> <prefix-in-patter.pc>
#
# The install dir is $(DESTDIR)$(PREFIX); patter.pc says $(PREFIX), or `${pcfiledir}/../..` for a
# tree that works wherever it is unpacked (the dist tarball).
set -euo pipefail
build="$1"; prefix="$2"; pc_prefix="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
major="${version%%.*}"

# The system libraries the static library needs, as rustc reports them (cached per build dir).
static_file="$build/patter-native-static-libs.txt"
if [ ! -s "$static_file" ]; then
  (cd "$root" && ${CARGO:-cargo} rustc --release -q -p patter-ffi --lib --crate-type staticlib -- \
      --print native-static-libs 2>&1 >/dev/null) |
    sed -n 's/.*native-static-libs: //p' | tail -1 > "$static_file.tmp"
  mv "$static_file.tmp" "$static_file"
fi
static_libs="$(cat "$static_file")"

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 0644 "$root/include/patter.h" "$prefix/include/patter.h"
install -m 0755 "$build/libpatter.so" "$prefix/lib/libpatter.so.$version"
ln -sf "libpatter.so.$version" "$prefix/lib/libpatter.so.$major"
ln -sf "libpatter.so.$major" "$prefix/lib/libpatter.so"
install -m 0644 "$build/libpatter.a" "$prefix/lib/libpatter.a"
cat > "$prefix/lib/pkgconfig/patter.pc" <<PC
prefix=$pc_prefix
exec_prefix=\${prefix}
libdir=\${exec_prefix}/lib
includedir=\${prefix}/include

Name: patter
Description: libpatter: OpenTelemetry traces, cost and call records for voice-AI agents (C ABI)
Version: $version
Libs: -L\${libdir} -lpatter
Libs.private: $static_libs
Cflags: -I\${includedir}
PC
