//! All configuration resolution: explicit argument > environment > default, in this module only.
//!
//! Every resolver takes an [`Env`] so tests can feed variables without touching the process
//! environment; the public entry points use [`ProcessEnv`].

mod calllog;
mod pricing;
mod telemetry;
mod tracing;

pub use self::calllog::{
    expand_tilde, parse_retention_days, platform_default_root, resolve_root, HashKey, LogConfig, Persist,
    PhoneRedaction, DEFAULT_QUEUE_CAPACITY, DEFAULT_RETENTION_DAYS, DEFAULT_SWEEP_PROBABILITY, ENV_HASH_KEY,
    ENV_LOG_DIR, ENV_REDACT_PHONE, ENV_RETENTION_DAYS,
};
pub use self::pricing::{load_pricing, resolve_pricing_file, PricingOptions, PRICING_FILE_ENV};
pub use self::telemetry::{
    LogsConfig, MetricsConfig, TelemetryConfig, Temporality, DEFAULT_LOG_QUEUE_SIZE, DEFAULT_METRIC_EXPORT_INTERVAL,
};
pub use self::tracing::{
    parse_headers, parse_resource_attributes, traces_url, TracingConfig, TracingOptions, DEFAULT_OTLP_ENDPOINT,
    DEFAULT_SERVICE_NAME,
};

/// A source of environment variables.
pub trait Env {
    /// The variable's value, or None when unset or not valid UTF-8.
    fn get(&self, key: &str) -> Option<String>;
}

/// The real process environment.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

/// A fixed map of variables (tests, and hosts that want to pin configuration).
#[derive(Debug, Default, Clone)]
pub struct MapEnv(pub std::collections::HashMap<String, String>);

impl MapEnv {
    /// Builds a map from `(key, value)` pairs.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        MapEnv(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }
}

impl Env for MapEnv {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}

/// The boolean spellings the Patter docs accept for flags: `1`, `true`, `yes` (any case,
/// surrounding spaces ignored). Everything else is false.
pub fn is_truthy(value: Option<&str>) -> bool {
    matches!(value.map(|v| v.trim().to_ascii_lowercase()).as_deref(), Some("1" | "true" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthy_spellings() {
        for v in ["1", "true", "TRUE", " yes ", "Yes"] {
            assert!(is_truthy(Some(v)), "{v}");
        }
        for v in ["0", "false", "no", "", "on", "2"] {
            assert!(!is_truthy(Some(v)), "{v}");
        }
        assert!(!is_truthy(None));
    }
}
