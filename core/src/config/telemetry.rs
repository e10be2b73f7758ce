//! Metrics and logs configuration (OTLP `/v1/metrics` and `/v1/logs`), resolved next to the
//! tracing configuration they extend: explicit option > environment > default.
//!
//! * Metrics are on whenever tracing is, unless `metrics: false` or `OTEL_METRICS_EXPORTER=none`.
//!   `OTEL_METRIC_EXPORT_INTERVAL` (ms, default 60000) and
//!   `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` (`cumulative` default, `delta`,
//!   `lowmemory`) are honoured.
//! * Logs (call records as OTLP log records) are off unless `otel_logs: true` or
//!   `PATTER_OTEL_LOGS=1`; `OTEL_LOGS_EXPORTER=none` turns the env switch off. Texts only with
//!   `otel_log_texts: true` or `PATTER_OTEL_LOG_TEXTS=1`.
//! * URL: the explicit `otlp_endpoint` (a base; `/v1/metrics` / `/v1/logs` appended), else
//!   `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` / `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` (used as is, as
//!   the OTLP exporter specification asks), else `OTEL_EXPORTER_OTLP_ENDPOINT` + path, else
//!   `http://localhost:4318` + path. Headers: `OTEL_EXPORTER_OTLP_HEADERS`, overridden by the
//!   signal's `OTEL_EXPORTER_OTLP_{METRICS,LOGS}_HEADERS`, overridden by explicit headers.
//! * With `disable_otlp` there is nowhere to send either: both are off.

use super::tracing::{parse_headers, traces_url, TracingConfig, TracingOptions, DEFAULT_OTLP_ENDPOINT};
use super::{is_truthy, Env, PhoneRedaction};
use crate::{PatterError, Result};
use std::time::Duration;

/// Default of `OTEL_METRIC_EXPORT_INTERVAL`.
pub const DEFAULT_METRIC_EXPORT_INTERVAL: Duration = Duration::from_millis(60_000);
/// Default capacity of the log-record queue (`PATTER_OTEL_LOGS_QUEUE_SIZE`).
pub const DEFAULT_LOG_QUEUE_SIZE: usize = 8_192;

/// Aggregation temporality asked for by `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Temporality {
    /// Every point covers the time since the metrics started (the default).
    #[default]
    Cumulative,
    /// Counters and histograms (observable counters too) report the change since the previous
    /// export; up-down counters stay cumulative, as the specification says.
    Delta,
    /// Synchronous counters and histograms delta, everything else cumulative.
    LowMemory,
}

impl Temporality {
    /// Parses the preference (case-insensitive); anything unknown is the default, cumulative.
    pub fn parse(v: Option<&str>) -> Temporality {
        match v.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            Some("delta") => Temporality::Delta,
            Some("lowmemory") => Temporality::LowMemory,
            _ => Temporality::Cumulative,
        }
    }
}

/// Resolved metrics export settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsConfig {
    /// Full URL, e.g. `http://localhost:4318/v1/metrics`.
    pub url: String,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// Time between two exports.
    pub interval: Duration,
    /// Temporality preference.
    pub temporality: Temporality,
}

/// Resolved log-record export settings.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsConfig {
    /// Full URL, e.g. `http://localhost:4318/v1/logs`.
    pub url: String,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// Transcript texts and event payloads are included.
    pub texts: bool,
    /// Phone-number redaction (`PATTER_LOG_REDACT_PHONE`, `PATTER_LOG_HASH_KEY`), as on disk.
    pub redaction: PhoneRedaction,
    /// Capacity of the queue between calls and the export thread (full: dropped, counted).
    pub queue_capacity: usize,
    /// Largest batch of records in one request.
    pub max_batch: usize,
    /// How long a partial batch waits.
    pub batch_delay: Duration,
}

/// Everything the metrics/logs pipeline needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryConfig {
    /// Metrics export, None when off.
    pub metrics: Option<MetricsConfig>,
    /// Log export, None when off.
    pub logs: Option<LogsConfig>,
    /// `service.name`.
    pub service_name: String,
    /// Other resource attributes, sorted by key.
    pub resource_attributes: Vec<(String, String)>,
    /// Bound of one export (the tracing export timeout).
    pub export_timeout: Duration,
}

fn merge(into: &mut Vec<(String, String)>, over: &[(String, String)]) {
    for (k, v) in over {
        match into.iter_mut().find(|(ek, _)| ek == k) {
            Some(slot) => slot.1 = v.clone(),
            None => into.push((k.clone(), v.clone())),
        }
    }
}

/// `base` (an OTLP/HTTP base endpoint) with the signal's path, e.g. `/v1/metrics`.
pub(crate) fn signal_url(base: &str, signal: &str) -> Result<String> {
    let traces = traces_url(base)?;
    let root = traces.strip_suffix("/v1/traces").unwrap_or(&traces);
    Ok(format!("{root}/v1/{signal}"))
}

/// A signal-specific endpoint, used as given (validated like any endpoint).
fn exact_url(url: &str) -> Result<String> {
    traces_url(url)?;
    Ok(url.trim().to_string())
}

fn env_ms(env: &dyn Env, key: &str, default: Duration, min: u64, max: u64) -> Duration {
    env.get(key)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|v| *v > 0)
        .map(|v| Duration::from_millis(v.clamp(min, max)))
        .unwrap_or(default)
}

fn env_usize(env: &dyn Env, key: &str, default: usize, min: usize, max: usize) -> usize {
    env.get(key).and_then(|v| v.trim().parse::<usize>().ok()).map(|v| v.clamp(min, max)).unwrap_or(default)
}

fn is_none(v: Option<String>) -> bool {
    v.is_some_and(|v| v.trim().eq_ignore_ascii_case("none"))
}

impl TelemetryConfig {
    /// Resolves metrics/logs for a tracing configuration `tracing` built from `opts` and `env`.
    /// Errors only for a malformed signal-specific endpoint.
    pub fn resolve(opts: &TracingOptions, tracing: &TracingConfig, env: &dyn Env) -> Result<TelemetryConfig> {
        let otlp = tracing.traces_url.is_some() && !opts.disable_otlp.unwrap_or(false);
        let metrics_on = otlp && opts.metrics.unwrap_or_else(|| !is_none(env.get("OTEL_METRICS_EXPORTER")));
        let logs_on = otlp
            && opts.otel_logs.unwrap_or_else(|| {
                is_truthy(env.get("PATTER_OTEL_LOGS").as_deref()) && !is_none(env.get("OTEL_LOGS_EXPORTER"))
            });
        let url = |signal: &str, key: &str| -> Result<String> {
            if let Some(base) = opts.otlp_endpoint.as_deref().filter(|s| !s.trim().is_empty()) {
                return signal_url(base, signal);
            }
            if let Some(exact) = env.get(key).filter(|s| !s.trim().is_empty()) {
                return exact_url(&exact).map_err(|e| match e {
                    PatterError::Config { reason, .. } => PatterError::Config { key: key.to_string(), reason },
                    other => other,
                });
            }
            let base = env
                .get("OTEL_EXPORTER_OTLP_ENDPOINT")
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_OTLP_ENDPOINT.to_string());
            signal_url(&base, signal)
        };
        let headers = |key: &str| {
            let mut h = env.get("OTEL_EXPORTER_OTLP_HEADERS").map(|h| parse_headers(&h)).unwrap_or_default();
            merge(&mut h, &env.get(key).map(|h| parse_headers(&h)).unwrap_or_default());
            merge(&mut h, &opts.headers);
            h
        };
        let metrics = if metrics_on {
            Some(MetricsConfig {
                url: url("metrics", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")?,
                headers: headers("OTEL_EXPORTER_OTLP_METRICS_HEADERS"),
                interval: env_ms(env, "OTEL_METRIC_EXPORT_INTERVAL", DEFAULT_METRIC_EXPORT_INTERVAL, 50, 86_400_000),
                temporality: Temporality::parse(
                    env.get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE").as_deref(),
                ),
            })
        } else {
            None
        };
        let logs = if logs_on {
            Some(LogsConfig {
                url: url("logs", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")?,
                headers: headers("OTEL_EXPORTER_OTLP_LOGS_HEADERS"),
                texts: opts.otel_log_texts.unwrap_or_else(|| is_truthy(env.get("PATTER_OTEL_LOG_TEXTS").as_deref())),
                redaction: PhoneRedaction::from_env(env),
                queue_capacity: env_usize(env, "PATTER_OTEL_LOGS_QUEUE_SIZE", DEFAULT_LOG_QUEUE_SIZE, 16, 1 << 20),
                max_batch: tracing.max_batch,
                batch_delay: tracing.batch_delay,
            })
        } else {
            None
        };
        Ok(TelemetryConfig {
            metrics,
            logs,
            service_name: tracing.service_name.clone(),
            resource_attributes: tracing.resource_attributes.clone(),
            export_timeout: tracing.export_timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MapEnv;

    fn resolve(opts: &TracingOptions, pairs: &[(&str, &str)]) -> Result<TelemetryConfig> {
        let env = MapEnv::from_pairs(pairs);
        let t = TracingConfig::resolve(opts, &env).unwrap();
        TelemetryConfig::resolve(opts, &t, &env)
    }

    #[test]
    fn metrics_on_by_default_logs_off() {
        let c = resolve(&TracingOptions::default(), &[]).unwrap();
        let m = c.metrics.unwrap();
        assert_eq!(m.url, "http://localhost:4318/v1/metrics");
        assert_eq!(m.interval, Duration::from_secs(60));
        assert_eq!(m.temporality, Temporality::Cumulative);
        assert!(c.logs.is_none());
    }

    #[test]
    fn env_switches_and_tuning() {
        let c = resolve(
            &TracingOptions::default(),
            &[
                ("OTEL_METRICS_EXPORTER", "None"),
                ("PATTER_OTEL_LOGS", "1"),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/"),
                ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"),
                ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "b=3"),
                ("PATTER_LOG_REDACT_PHONE", "hash_only"),
            ],
        )
        .unwrap();
        assert!(c.metrics.is_none());
        let l = c.logs.unwrap();
        assert_eq!(l.url, "http://c:4318/v1/logs");
        assert_eq!(l.headers, vec![("a".into(), "1".into()), ("b".into(), "3".into())]);
        assert!(!l.texts);
        assert_eq!(l.redaction, PhoneRedaction::HashOnly { key: None });
        let c = resolve(
            &TracingOptions::default(),
            &[
                ("OTEL_METRIC_EXPORT_INTERVAL", "250"),
                ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "DELTA"),
                ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://m.example/custom/path"),
                ("PATTER_OTEL_LOGS", "true"),
                ("OTEL_LOGS_EXPORTER", "none"),
            ],
        )
        .unwrap();
        let m = c.metrics.unwrap();
        assert_eq!((m.url.as_str(), m.interval), ("https://m.example/custom/path", Duration::from_millis(250)));
        assert_eq!(m.temporality, Temporality::Delta);
        assert!(c.logs.is_none(), "OTEL_LOGS_EXPORTER=none wins over the env switch");
        let bad = resolve(&TracingOptions::default(), &[("OTEL_METRIC_EXPORT_INTERVAL", "soon")]).unwrap();
        assert_eq!(bad.metrics.unwrap().interval, DEFAULT_METRIC_EXPORT_INTERVAL);
        assert!(matches!(
            resolve(&TracingOptions::default(), &[("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "ftp://x")]),
            Err(PatterError::Config { .. })
        ));
    }

    #[test]
    fn explicit_options_win() {
        let opts = TracingOptions {
            otlp_endpoint: Some("http://x:1/v1/traces".into()),
            metrics: Some(false),
            otel_logs: Some(true),
            otel_log_texts: Some(true),
            ..Default::default()
        };
        let c = resolve(&opts, &[("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://ignored:2/v1/logs")]).unwrap();
        assert!(c.metrics.is_none());
        let l = c.logs.unwrap();
        assert_eq!(l.url, "http://x:1/v1/logs");
        assert!(l.texts);
        let opts = TracingOptions { metrics: Some(true), ..Default::default() };
        assert!(resolve(&opts, &[("OTEL_METRICS_EXPORTER", "none")]).unwrap().metrics.is_some());
        let off = TracingOptions { disable_otlp: Some(true), otel_logs: Some(true), ..Default::default() };
        let c = resolve(&off, &[]).unwrap();
        assert!(c.metrics.is_none() && c.logs.is_none());
    }

    #[test]
    fn temporality_spellings() {
        assert_eq!(Temporality::parse(Some(" LowMemory ")), Temporality::LowMemory);
        assert_eq!(Temporality::parse(Some("weird")), Temporality::Cumulative);
        assert_eq!(Temporality::parse(None), Temporality::Cumulative);
    }
}
