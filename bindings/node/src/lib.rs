//! # patter-node
//!
//! The Node.js door of libpatter: a napi-rs addon that exposes the core's tracing, Call API,
//! clock and span-name constants to JavaScript. Everything is done by `patter-core`; this crate
//! only translates types (JS values <-> Rust), errors ([`error`]) and blocking work (it runs on
//! the libuv thread pool as promises). The current-call context (`AsyncLocalStorage`) lives in
//! the thin `index.js` around this addon.

#![deny(clippy::all)]

mod call;
mod calllog;
mod cli;
mod clock;
mod dashboard;
mod diagnostics;
mod error;
mod exporter;
mod fast;
mod names;
mod pricing;
mod records;
mod span;
mod store;
mod tracing;
mod util;

/// The addon's allocator. The span pipeline allocates a span on the JS thread and frees it on
/// the export thread; glibc's malloc serialises such cross-thread frees on the arena lock
/// (futex wake-ups per span measured under load), mimalloc frees them without contention.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
