//! Gives `libpatter.so` its SONAME (`libpatter.so.MAJOR`) on Linux, so programs linked against
//! it depend on the major version and `make install`/`make dist` can ship the usual
//! `libpatter.so.MAJOR.MINOR.PATCH` with `libpatter.so.MAJOR` and `libpatter.so` links.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpatter.so.{major}");
    }
}
