//! `include/patter.h` must be exactly what cbindgen generates from this crate. Set
//! `PATTER_UPDATE_HEADER=1` (that is what `make header` does) to rewrite it instead.

use std::path::{Path, PathBuf};

fn generate() -> String {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

fn header_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/patter.h")
}

#[test]
fn committed_header_is_current() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("PATTER_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/patter.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        let show = |s: &str| s.lines().skip(first.saturating_sub(2)).take(6).collect::<Vec<_>>().join("\n");
        panic!(
            "include/patter.h is out of date with ffi/src (first difference at line {}).\n\
             Run `make header` and commit the result; see the diff with `git diff include/patter.h`.\n\
             --- committed ---\n{}\n--- generated ---\n{}",
            first + 1,
            show(&committed),
            show(&generated)
        );
    }
}

#[test]
fn every_item_is_documented() {
    let header = generate();
    let lines: Vec<&str> = header.lines().collect();
    let mut undocumented = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim_start();
        let is_item = (l.starts_with("patter_status patter_")
            || l.starts_with("#define PATTER_")
            || l.starts_with("typedef ")
            || (l.contains(" patter_") && l.contains('(') && !l.starts_with('*') && !l.starts_with("/*")))
            && !l.starts_with("#define PATTER_H");
        let is_variant = l.starts_with("PATTER_") && (l.ends_with(',') || l.contains(" = "));
        if !(is_item || is_variant) {
            continue;
        }
        // The previous non-blank line must close a doc comment (an enum's typedefs follow its
        // documented definition inside #if blocks).
        let prev = lines[..i].iter().rev().find(|p| !p.trim().is_empty()).map(|p| p.trim());
        let in_enum_typedef = l.starts_with("typedef ") && prev.is_some_and(|p| p.starts_with('#'));
        if prev != Some("*/") && !in_enum_typedef {
            undocumented.push(line.to_string());
        }
    }
    assert!(undocumented.is_empty(), "items without a doc comment in patter.h:\n{}", undocumented.join("\n"));
}
