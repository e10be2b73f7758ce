//! Pricing configuration: the override file (`PATTER_PRICING_FILE` or an explicit path) and
//! code overrides, merged on top of the built-in defaults.

use super::Env;
use crate::pricing::{Overrides, PricingTable};
use crate::{PatterError, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Environment variable naming a JSON pricing override file.
pub const PRICING_FILE_ENV: &str = "PATTER_PRICING_FILE";

/// What the host passes when it builds a pricing table (None = not given).
#[derive(Debug, Clone, Default)]
pub struct PricingOptions {
    /// Override file (else `PATTER_PRICING_FILE`, else none).
    pub file: Option<PathBuf>,
    /// Overrides from code, applied after the file (so they win over it).
    pub overrides: Option<Overrides>,
}

/// The override file to load: the explicit path, else `PATTER_PRICING_FILE` (blank = unset),
/// else None. The second value is true when the path came from the environment.
pub fn resolve_pricing_file(explicit: Option<&Path>, env: &dyn Env) -> Option<(PathBuf, bool)> {
    if let Some(path) = explicit.filter(|p| !p.as_os_str().is_empty()) {
        return Some((path.to_path_buf(), false));
    }
    env.get(PRICING_FILE_ENV).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).map(|v| (PathBuf::from(v), true))
}

/// The effective table: built-in defaults, then the override file, then code overrides.
/// Without a file or overrides this is the shared [`PricingTable::defaults`].
///
/// Errors (never a panic): a file that cannot be read is [`PatterError::Io`] for an explicit
/// path and [`PatterError::Config`] keyed `PATTER_PRICING_FILE` when the path came from the
/// environment; bad content is [`PatterError::Corrupt`] naming the file and the field; bad
/// code overrides are [`PatterError::Config`] keyed `pricing`.
pub fn load_pricing(opts: &PricingOptions, env: &dyn Env) -> Result<Arc<PricingTable>> {
    let file = resolve_pricing_file(opts.file.as_deref(), env);
    let code = opts.overrides.as_ref().filter(|o| !o.is_empty());
    if file.is_none() && code.is_none() {
        return Ok(PricingTable::defaults());
    }
    let mut table = (*PricingTable::defaults()).clone();
    if let Some((path, from_env)) = file {
        table = match table.with_overrides_file(&path) {
            Err(PatterError::Io { path, reason }) if from_env => {
                return Err(PatterError::Config {
                    key: PRICING_FILE_ENV.to_string(),
                    reason: format!("cannot read {path}: {reason}"),
                })
            }
            other => other?,
        };
    }
    if let Some(overrides) = code {
        table = table.with_overrides(overrides)?;
    }
    Ok(Arc::new(table))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MapEnv;

    #[test]
    fn explicit_path_beats_env_and_blank_env_is_unset() {
        let env = MapEnv::from_pairs(&[(PRICING_FILE_ENV, "/from/env.json")]);
        assert_eq!(resolve_pricing_file(Some(Path::new("/x.json")), &env), Some((PathBuf::from("/x.json"), false)));
        assert_eq!(resolve_pricing_file(None, &env), Some((PathBuf::from("/from/env.json"), true)));
        assert_eq!(resolve_pricing_file(None, &MapEnv::from_pairs(&[(PRICING_FILE_ENV, "  ")])), None);
        assert_eq!(resolve_pricing_file(None, &MapEnv::default()), None);
    }

    #[test]
    fn nothing_configured_shares_the_defaults() {
        let table = load_pricing(&PricingOptions::default(), &MapEnv::default()).expect("defaults");
        assert!(Arc::ptr_eq(&table, &PricingTable::defaults()));
    }

    #[test]
    fn missing_env_file_is_a_config_error_naming_variable_and_path() {
        let env = MapEnv::from_pairs(&[(PRICING_FILE_ENV, "/nonexistent/patter-pricing.json")]);
        match load_pricing(&PricingOptions::default(), &env) {
            Err(PatterError::Config { key, reason }) => {
                assert_eq!(key, PRICING_FILE_ENV);
                assert!(reason.contains("/nonexistent/patter-pricing.json"), "{reason}");
            }
            other => panic!("expected a Config error, got {other:?}"),
        }
    }
}
