//! # patter-core
//!
//! The one Rust core behind libpatter's Python, Node and C bindings: OpenTelemetry tracing of
//! voice-agent calls, the per-call record on disk, the in-memory MetricsStore and pricing.
//!
//! The central object is the [`Call`]: a host opens one per phone call and reports everything
//! through it; the core fans that out to spans, disk records and the store.

pub mod call;
pub mod calllog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod diagnostics;
pub mod error;
pub mod error_codes;
pub mod fork;
pub(crate) mod fsio;
pub(crate) mod memory;
pub mod percentile;
pub mod pricing;
pub mod records;
pub mod rules;
pub mod store;
pub mod telemetry;
pub mod tracing;

pub use error::{PatterError, Result};
pub use error_codes::{ErrorCode, ERROR_CODES};
