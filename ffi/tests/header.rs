//! `include/patter.h` must be exactly what cbindgen generates from this crate. Set
//! `PATTER_UPDATE_HEADER=1` (that is what `make header` does) to rewrite it instead.
//!
//! cbindgen (0.29) cannot emit string constants, so the span/attribute catalogue's `#define`s
//! are generated here from the core's `CATALOGUE` and handed to cbindgen as its
//! `after_includes` section: the values cannot drift from the core, and the drift check covers
//! them like the rest of the header.

use patter_core::tracing::names::{CatalogueEntry, NameKind, CATALOGUE};
use std::path::{Path, PathBuf};

/// The C name of a catalogue entry: `PATTER_SPAN_NAME_LLM` (span names; `PATTER_SPAN_LLM` is
/// the `patter_span_kind` value), `PATTER_ATTR_CALL_ID` (attribute keys),
/// `PATTER_VALUE_OPERATION_CHAT` (attribute values), `PATTER_SCOPE_NAME`.
fn c_name(e: &CatalogueEntry) -> String {
    match e.kind {
        NameKind::Span => format!("PATTER_SPAN_NAME_{}", e.name.strip_prefix("SPAN_").unwrap_or(e.name)),
        NameKind::Attribute => format!("PATTER_ATTR_{}", e.name),
        NameKind::Value => format!("PATTER_VALUE_{}", e.name),
        NameKind::Scope => format!("PATTER_{}", e.name),
    }
}

/// The catalogue as documented `#define`s.
fn catalogue_defines() -> String {
    let mut out = String::from(
        "\n/* The span names, attribute keys and values libpatter's spans carry (the core's catalogue):\n \
         * query your tracing backend with these. */\n",
    );
    for e in CATALOGUE {
        assert!(!e.doc.contains("*/") && !e.value.contains(['"', '\\']), "{e:?}");
        out.push_str("\n/**\n");
        let mut line = String::new();
        for word in e.doc.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > 96 {
                out.push_str(&format!(" * {line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(&format!(" * {line}\n */\n#define {} \"{}\"\n", c_name(e), e.value));
    }
    out
}

fn generate() -> String {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml parses");
    config.after_includes = Some(catalogue_defines());
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
fn catalogue_names_are_unique_and_clash_with_nothing() {
    let names: std::collections::HashSet<String> = CATALOGUE.iter().map(c_name).collect();
    assert_eq!(names.len(), CATALOGUE.len());
    let header = generate();
    for name in &names {
        let uses = header.matches(&format!("{name} ")).count() + header.matches(&format!("{name},")).count();
        assert_eq!(uses, 1, "{name} is defined exactly once in patter.h");
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
