//! Tracing configuration: `PATTER_OTEL_ENABLED`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
//! `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_CONSOLE_EXPORT`, plus libpatter's own `PATTER_OTEL_FILE` (file sink) and queue sizes.

use super::{is_truthy, Env};
use crate::{PatterError, Result};
use std::path::PathBuf;
use std::time::Duration;

/// What the host passes to `init_tracing` (None = not given, fall back to env/default).
#[derive(Debug, Clone, Default)]
pub struct TracingOptions {
    /// `service.name` resource attribute.
    pub service_name: Option<String>,
    /// OTLP/HTTP base endpoint (e.g. `http://localhost:4318`); `/v1/traces` is appended
    /// unless the URL already ends with it.
    pub otlp_endpoint: Option<String>,
    /// Extra resource attributes (override `OTEL_RESOURCE_ATTRIBUTES` keys).
    pub resource_attributes: Vec<(String, String)>,
    /// Extra request headers (override `OTEL_EXPORTER_OTLP_HEADERS` keys).
    pub headers: Vec<(String, String)>,
    /// Print spans to stderr (else `OTEL_CONSOLE_EXPORT`).
    pub console: Option<bool>,
    /// Also write OTLP-JSON lines to this file (else `PATTER_OTEL_FILE`).
    pub file: Option<PathBuf>,
    /// Disable the OTLP/HTTP exporter (only console/file/callback sinks); omitted: false.
    pub disable_otlp: Option<bool>,
    /// OTLP metrics on or off (else `OTEL_METRICS_EXPORTER`; default on with tracing).
    pub metrics: Option<bool>,
    /// Call records as OTLP logs (else `PATTER_OTEL_LOGS`; default off).
    pub otel_logs: Option<bool>,
    /// Transcript texts and event payloads in those logs (else `PATTER_OTEL_LOG_TEXTS`; default off).
    pub otel_log_texts: Option<bool>,
}

/// Fully resolved tracing configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingConfig {
    /// `PATTER_OTEL_ENABLED` is 1/true/yes.
    pub enabled: bool,
    /// `service.name`.
    pub service_name: String,
    /// Full traces URL, e.g. `http://localhost:4318/v1/traces`; None when OTLP is disabled.
    pub traces_url: Option<String>,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// Resource attributes, `service.name` excluded, in a stable order (sorted by key).
    pub resource_attributes: Vec<(String, String)>,
    /// Console sink on.
    pub console: bool,
    /// File sink path.
    pub file: Option<PathBuf>,
    /// Capacity of the span queue between callers and the export thread.
    pub queue_capacity: usize,
    /// Largest batch handed to an exporter.
    pub max_batch: usize,
    /// How long a partial batch waits before it is exported.
    pub batch_delay: Duration,
    /// HTTP timeout of one OTLP export.
    pub export_timeout: Duration,
}

/// Default OTLP/HTTP endpoint.
pub const DEFAULT_OTLP_ENDPOINT: &str = "http://localhost:4318";
/// Default `service.name`.
pub const DEFAULT_SERVICE_NAME: &str = "patter";

fn env_usize(env: &dyn Env, key: &str, default: usize, min: usize, max: usize) -> usize {
    env.get(key).and_then(|v| v.trim().parse::<usize>().ok()).map(|v| v.clamp(min, max)).unwrap_or(default)
}

impl TracingConfig {
    /// Resolves `opts` against `env`. Errors only on values that cannot work (a malformed
    /// endpoint URL); garbage in optional tuning variables falls back to defaults.
    pub fn resolve(opts: &TracingOptions, env: &dyn Env) -> Result<TracingConfig> {
        let enabled = is_truthy(env.get("PATTER_OTEL_ENABLED").as_deref());
        let service_name = opts
            .service_name
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| env.get("OTEL_SERVICE_NAME").filter(|s| !s.trim().is_empty()))
            .unwrap_or_else(|| DEFAULT_SERVICE_NAME.to_string());
        let traces_url = if opts.disable_otlp.unwrap_or(false) {
            None
        } else {
            let base = opts
                .otlp_endpoint
                .clone()
                .filter(|s| !s.trim().is_empty())
                .or_else(|| env.get("OTEL_EXPORTER_OTLP_ENDPOINT").filter(|s| !s.trim().is_empty()))
                .unwrap_or_else(|| DEFAULT_OTLP_ENDPOINT.to_string());
            Some(traces_url(&base)?)
        };
        let mut headers = env.get("OTEL_EXPORTER_OTLP_HEADERS").map(|h| parse_headers(&h)).unwrap_or_default();
        merge(&mut headers, &opts.headers);
        let mut resource_attributes =
            env.get("OTEL_RESOURCE_ATTRIBUTES").map(|h| parse_resource_attributes(&h)).unwrap_or_default();
        merge(&mut resource_attributes, &opts.resource_attributes);
        resource_attributes.retain(|(k, _)| k != "service.name");
        resource_attributes.sort();
        let console = opts.console.unwrap_or_else(|| is_truthy(env.get("OTEL_CONSOLE_EXPORT").as_deref()));
        let file =
            opts.file.clone().or_else(|| env.get("PATTER_OTEL_FILE").filter(|s| !s.is_empty()).map(PathBuf::from));
        Ok(TracingConfig {
            enabled,
            service_name,
            traces_url,
            headers,
            resource_attributes,
            console,
            file,
            queue_capacity: env_usize(env, "PATTER_OTEL_QUEUE_SIZE", 65_536, 16, 16 * 1024 * 1024),
            max_batch: env_usize(env, "PATTER_OTEL_MAX_BATCH", 512, 1, 65_536),
            batch_delay: Duration::from_millis(env_usize(env, "PATTER_OTEL_BATCH_DELAY_MS", 500, 1, 600_000) as u64),
            export_timeout: Duration::from_millis(
                env_usize(env, "PATTER_OTEL_EXPORT_TIMEOUT_MS", 5_000, 10, 600_000) as u64
            ),
        })
    }
}

fn merge(into: &mut Vec<(String, String)>, over: &[(String, String)]) {
    for (k, v) in over {
        if let Some(slot) = into.iter_mut().find(|(ek, _)| ek == k) {
            slot.1 = v.clone();
        } else {
            into.push((k.clone(), v.clone()));
        }
    }
}

/// Turns a base endpoint into the traces URL: appends `/v1/traces` unless already there.
/// Only `http://` and `https://` URLs with a host are accepted.
pub fn traces_url(base: &str) -> Result<String> {
    let b = base.trim();
    let rest = b.strip_prefix("http://").or_else(|| b.strip_prefix("https://")).ok_or_else(|| PatterError::Config {
        key: "otlp_endpoint".into(),
        reason: format!("{b:?} is not an http(s) URL"),
    })?;
    if rest.is_empty() || rest.starts_with('/') || b.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PatterError::Config { key: "otlp_endpoint".into(), reason: format!("{b:?} has no host") });
    }
    let trimmed = b.trim_end_matches('/');
    if trimmed.ends_with("/v1/traces") {
        Ok(trimmed.to_string())
    } else {
        Ok(format!("{trimmed}/v1/traces"))
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_kv_list(s: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for part in s.split(',') {
        let Some((k, v)) = part.split_once('=') else { continue };
        let k = percent_decode(k.trim());
        if k.is_empty() {
            continue;
        }
        let v = percent_decode(v.trim());
        merge(&mut out, &[(k, v)]);
    }
    out
}

/// Parses `OTEL_EXPORTER_OTLP_HEADERS` (`k1=v1,k2=v2`, values percent-decoded; malformed
/// entries skipped).
pub fn parse_headers(s: &str) -> Vec<(String, String)> {
    parse_kv_list(s)
}

/// Parses `OTEL_RESOURCE_ATTRIBUTES` (same syntax as headers).
pub fn parse_resource_attributes(s: &str) -> Vec<(String, String)> {
    parse_kv_list(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MapEnv;

    #[test]
    fn defaults_when_env_empty() {
        let c = TracingConfig::resolve(&TracingOptions::default(), &MapEnv::default()).unwrap();
        assert!(!c.enabled);
        assert_eq!(c.service_name, "patter");
        assert_eq!(c.traces_url.as_deref(), Some("http://localhost:4318/v1/traces"));
        assert!(!c.console);
        assert!(c.headers.is_empty());
    }

    #[test]
    fn explicit_beats_env_beats_default() {
        let env = MapEnv::from_pairs(&[
            ("PATTER_OTEL_ENABLED", "yes"),
            ("OTEL_SERVICE_NAME", "from-env"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc, x-a = 1 ,broken"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,service.name=ignored,team=voice"),
            ("OTEL_CONSOLE_EXPORT", "true"),
        ]);
        let c = TracingConfig::resolve(&TracingOptions::default(), &env).unwrap();
        assert!(c.enabled && c.console);
        assert_eq!(c.service_name, "from-env");
        assert_eq!(c.traces_url.as_deref(), Some("http://collector:4318/v1/traces"));
        assert_eq!(c.headers, vec![("authorization".into(), "Bearer abc".into()), ("x-a".into(), "1".into())]);
        assert_eq!(
            c.resource_attributes,
            vec![("deployment.environment".into(), "prod".into()), ("team".into(), "voice".into())]
        );
        let opts = TracingOptions {
            service_name: Some("explicit".into()),
            otlp_endpoint: Some("https://x.example:4318/v1/traces".into()),
            resource_attributes: vec![("deployment.environment".into(), "staging".into())],
            console: Some(false),
            ..Default::default()
        };
        let c = TracingConfig::resolve(&opts, &env).unwrap();
        assert_eq!(c.service_name, "explicit");
        assert_eq!(c.traces_url.as_deref(), Some("https://x.example:4318/v1/traces"));
        assert_eq!(c.resource_attributes[0], ("deployment.environment".into(), "staging".into()));
        assert!(!c.console);
    }

    #[test]
    fn bad_endpoints_are_config_errors() {
        for bad in ["localhost:4318", "ftp://x", "http://", "http:///x", "http://a b"] {
            let opts = TracingOptions { otlp_endpoint: Some(bad.into()), ..Default::default() };
            assert!(
                matches!(TracingConfig::resolve(&opts, &MapEnv::default()), Err(PatterError::Config { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn garbage_tuning_falls_back() {
        let env = MapEnv::from_pairs(&[("PATTER_OTEL_QUEUE_SIZE", "lots"), ("PATTER_OTEL_MAX_BATCH", "0")]);
        let c = TracingConfig::resolve(&TracingOptions::default(), &env).unwrap();
        assert_eq!(c.queue_capacity, 65_536);
        assert_eq!(c.max_batch, 1);
    }

    #[test]
    fn percent_decoding_edge_cases() {
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%41%zz"), "A%zz");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%é%"), "%é%");
    }
}
