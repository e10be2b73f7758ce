//! Resolution of the call-log (persistence) configuration: explicit `persist` argument >
//! `PATTER_LOG_*` environment > defaults. Nothing else in the crate reads these variables.
//!
//! | `persist`            | `PATTER_LOG_DIR`   | result                                   |
//! |----------------------|--------------------|------------------------------------------|
//! | `Unset` (None)       | unset / empty      | disabled: no directory, no file          |
//! | `Unset`              | `auto`             | platform default directory               |
//! | `Unset`              | a path             | that path (`~` expanded)                 |
//! | `Off` (False)        | anything           | disabled (the env var is ignored)        |
//! | `PlatformDefault` (True) | anything       | platform default directory               |
//! | `Path(p)` ("p")      | anything           | `p` (`~` expanded)                       |

use super::Env;
use crate::error::{PatterError, Result};
use std::fmt;
use std::path::PathBuf;

/// Environment variable: log root, a path or `auto`.
pub const ENV_LOG_DIR: &str = "PATTER_LOG_DIR";
/// Environment variable: `mask` (default), `full` or `hash_only`.
pub const ENV_REDACT_PHONE: &str = "PATTER_LOG_REDACT_PHONE";
/// Environment variable: secret that turns `hash_only` into a keyed HMAC-SHA256.
pub const ENV_HASH_KEY: &str = "PATTER_LOG_HASH_KEY";
/// Environment variable: days of history to keep (default 30, 0 = forever).
pub const ENV_RETENTION_DAYS: &str = "PATTER_LOG_RETENTION_DAYS";

/// Default retention in days.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// Default capacity of the writer queue (items).
pub const DEFAULT_QUEUE_CAPACITY: usize = 65_536;
/// Default probability that a call start triggers a retention sweep (~2%).
pub const DEFAULT_SWEEP_PROBABILITY: f64 = 0.02;

/// The `persist` argument of `CallLogger(persist=...)` / `Patter(persist=...)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Persist {
    /// Not given (`None`): fall back to `PATTER_LOG_DIR`; off when that is unset too.
    #[default]
    Unset,
    /// `False`: force off, even if `PATTER_LOG_DIR` is set.
    Off,
    /// `True`: the platform default directory.
    PlatformDefault,
    /// `"<path>"`: this directory (`~` expanded).
    Path(String),
}

impl From<bool> for Persist {
    fn from(on: bool) -> Self {
        if on {
            Persist::PlatformDefault
        } else {
            Persist::Off
        }
    }
}

impl From<&str> for Persist {
    fn from(path: &str) -> Self {
        Persist::Path(path.to_string())
    }
}

/// A secret key for HMAC phone hashing. Its `Debug` never prints the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct HashKey(Vec<u8>);

impl HashKey {
    /// Wraps key bytes; an empty key is `None` (unkeyed).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Option<Self> {
        let b = bytes.into();
        if b.is_empty() {
            None
        } else {
            Some(HashKey(b))
        }
    }
    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for HashKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HashKey(<{} bytes redacted>)", self.0.len())
    }
}

/// How caller/callee numbers are written to metadata.json (and shown by the MetricsStore).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PhoneRedaction {
    /// `***` + the last 4 characters (`***` alone for values of 4 characters or fewer). Default.
    #[default]
    Mask,
    /// The number verbatim.
    Full,
    /// `sha256:` + 16 hex chars of SHA-256(number), or, with a key,
    /// `hmac-sha256:` + 16 hex chars of HMAC-SHA256(key, number).
    HashOnly {
        /// Secret key (`PATTER_LOG_HASH_KEY`); None = plain SHA-256 (brute-forceable).
        key: Option<HashKey>,
    },
}

impl PhoneRedaction {
    /// Parses `PATTER_LOG_REDACT_PHONE` (case-insensitive, trimmed). Unknown or empty values
    /// give the safe default, [`PhoneRedaction::Mask`].
    pub fn parse(value: Option<&str>, key: Option<HashKey>) -> Self {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            Some("full") => PhoneRedaction::Full,
            Some("hash_only") | Some("hash") => PhoneRedaction::HashOnly { key },
            _ => PhoneRedaction::Mask,
        }
    }

    /// Resolves redaction from `PATTER_LOG_REDACT_PHONE` and `PATTER_LOG_HASH_KEY`.
    pub fn from_env(env: &dyn Env) -> Self {
        let key = env.get(ENV_HASH_KEY).and_then(|k| HashKey::new(k.into_bytes()));
        Self::parse(env.get(ENV_REDACT_PHONE).as_deref(), key)
    }
}

/// Parses `PATTER_LOG_RETENTION_DAYS`: unset or garbage → 30, negative → 0 (keep forever),
/// values above `u32::MAX` clamp.
pub fn parse_retention_days(value: Option<&str>) -> u32 {
    let Some(v) = value else { return DEFAULT_RETENTION_DAYS };
    match v.trim().parse::<i64>() {
        Ok(n) if n <= 0 => 0,
        Ok(n) => u32::try_from(n).unwrap_or(u32::MAX),
        Err(_) => DEFAULT_RETENTION_DAYS,
    }
}

/// Fully resolved call-log configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    /// Log root (the directory that holds `calls/`); None = persistence disabled.
    pub root: Option<PathBuf>,
    /// Phone-number redaction for metadata.json.
    pub redaction: PhoneRedaction,
    /// Days of history kept by the retention sweep; 0 = forever.
    pub retention_days: u32,
    /// Capacity of the writer queue; a full queue drops (and counts) items.
    pub queue_capacity: usize,
    /// Probability (0..=1) that a call start triggers a retention sweep on the writer thread.
    pub sweep_probability: f64,
    /// Whether metadata writes fsync the file and its directory (and call ends fsync the
    /// JSONL files). On by default; only benchmarks of throughput turn it off.
    pub fsync: bool,
}

impl Default for LogConfig {
    /// A disabled configuration with every other option at its default.
    fn default() -> Self {
        LogConfig {
            root: None,
            redaction: PhoneRedaction::Mask,
            retention_days: DEFAULT_RETENTION_DAYS,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            sweep_probability: DEFAULT_SWEEP_PROBABILITY,
            fsync: true,
        }
    }
}

impl LogConfig {
    /// An enabled configuration writing under `root`, other options at their defaults.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        LogConfig { root: Some(root.into()), ..LogConfig::default() }
    }

    /// Resolves the whole configuration: root from `persist` and `PATTER_LOG_DIR` (see the
    /// module table), redaction and retention from the environment.
    ///
    /// Errors only for an unusable *explicit* argument (`Path("")`, or `PlatformDefault` when
    /// no home directory is known); a bad environment value disables or defaults instead.
    pub fn resolve(persist: &Persist, env: &dyn Env) -> Result<Self> {
        let root = resolve_root(persist, env)?;
        Ok(LogConfig {
            root,
            redaction: PhoneRedaction::from_env(env),
            retention_days: parse_retention_days(env.get(ENV_RETENTION_DAYS).as_deref()),
            ..LogConfig::default()
        })
    }
}

/// Resolves the log root alone (see the module table). `Ok(None)` means disabled.
pub fn resolve_root(persist: &Persist, env: &dyn Env) -> Result<Option<PathBuf>> {
    match persist {
        Persist::Off => Ok(None),
        Persist::PlatformDefault => platform_default_root(env).map(Some).ok_or_else(|| PatterError::Config {
            key: "persist".into(),
            reason: "no platform data directory could be determined (HOME / XDG_DATA_HOME / LOCALAPPDATA unset)".into(),
        }),
        Persist::Path(p) => {
            if p.trim().is_empty() {
                return Err(PatterError::Config { key: "persist".into(), reason: "path must not be empty".into() });
            }
            if p.contains('\0') {
                return Err(PatterError::Config { key: "persist".into(), reason: "path contains a NUL byte".into() });
            }
            Ok(Some(absolutize(expand_tilde(p, env))))
        }
        Persist::Unset => {
            let Some(v) = env.get(ENV_LOG_DIR) else { return Ok(None) };
            let v = v.trim();
            if v.is_empty() || v.contains('\0') {
                return Ok(None);
            }
            if v.eq_ignore_ascii_case("auto") {
                let root = platform_default_root(env);
                if root.is_none() {
                    crate::diagnostics::report(
                        crate::diagnostics::Level::Warn,
                        crate::diagnostics::Code::CallLogUnavailable,
                        || "PATTER_LOG_DIR=auto but no platform data directory is known; call logging is off".into(),
                    );
                }
                return Ok(root);
            }
            Ok(Some(absolutize(expand_tilde(v, env))))
        }
    }
}

fn home_dir(env: &dyn Env) -> Option<PathBuf> {
    let nonempty = |k: &str| env.get(k).filter(|v| !v.trim().is_empty());
    if cfg!(windows) {
        nonempty("USERPROFILE").or_else(|| nonempty("HOME")).map(PathBuf::from)
    } else {
        nonempty("HOME").map(PathBuf::from)
    }
}

/// Expands a leading `~` or `~/` (`~\` on Windows) to the home directory. `~user` forms are
/// left as they are. Without a known home directory the path is returned unchanged.
pub fn expand_tilde(path: &str, env: &dyn Env) -> PathBuf {
    let rest = if path == "~" {
        Some("")
    } else {
        path.strip_prefix("~/").or_else(|| if cfg!(windows) { path.strip_prefix("~\\") } else { None })
    };
    match (rest, home_dir(env)) {
        (Some(rest), Some(home)) => {
            if rest.is_empty() {
                home
            } else {
                home.join(rest)
            }
        }
        _ => PathBuf::from(path),
    }
}

fn absolutize(p: PathBuf) -> PathBuf {
    std::path::absolute(&p).unwrap_or(p)
}

/// The platform's data directory for Patter:
/// Linux/other Unix `$XDG_DATA_HOME/patter` (absolute values only) else `~/.local/share/patter`;
/// macOS `~/Library/Application Support/patter`; Windows `%LOCALAPPDATA%\patter`.
pub fn platform_default_root(env: &dyn Env) -> Option<PathBuf> {
    let nonempty = |k: &str| env.get(k).filter(|v| !v.trim().is_empty());
    if cfg!(target_os = "macos") {
        home_dir(env).map(|h| h.join("Library").join("Application Support").join("patter"))
    } else if cfg!(windows) {
        nonempty("LOCALAPPDATA")
            .map(PathBuf::from)
            .or_else(|| home_dir(env).map(|h| h.join("AppData").join("Local")))
            .map(|p| p.join("patter"))
    } else {
        // The XDG spec says relative values must be ignored.
        nonempty("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| home_dir(env).map(|h| h.join(".local").join("share")))
            .map(|p| p.join("patter"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MapEnv;

    fn env(pairs: &[(&str, &str)]) -> MapEnv {
        MapEnv::from_pairs(pairs)
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn precedence_table() {
        let home = [("HOME", "/home/u")];
        let with_dir = [("HOME", "/home/u"), ("PATTER_LOG_DIR", "/var/log/patter")];
        let with_auto = [("HOME", "/home/u"), ("PATTER_LOG_DIR", " AUTO ")];
        let r = |p: Persist, e: &[(&str, &str)]| resolve_root(&p, &env(e)).unwrap();
        // Unset falls back to the env var; off when the env var is unset or empty.
        assert_eq!(r(Persist::Unset, &home), None);
        assert_eq!(r(Persist::Unset, &[("HOME", "/home/u"), ("PATTER_LOG_DIR", "  ")]), None);
        assert_eq!(r(Persist::Unset, &with_dir), Some(PathBuf::from("/var/log/patter")));
        assert_eq!(r(Persist::Unset, &with_auto), Some(PathBuf::from("/home/u/.local/share/patter")));
        // Off beats the env var.
        assert_eq!(r(Persist::Off, &with_dir), None);
        // Explicit values ignore the env var.
        assert_eq!(r(Persist::PlatformDefault, &with_dir), Some(PathBuf::from("/home/u/.local/share/patter")));
        assert_eq!(r(Persist::Path("/data/p".into()), &with_dir), Some(PathBuf::from("/data/p")));
        assert_eq!(r(Persist::Path("~/logs".into()), &with_dir), Some(PathBuf::from("/home/u/logs")));
        assert_eq!(r(Persist::Unset, &[("HOME", "/home/u"), ("PATTER_LOG_DIR", "~")]), Some(PathBuf::from("/home/u")));
        // XDG_DATA_HOME wins when absolute, is ignored when relative.
        assert_eq!(
            r(Persist::PlatformDefault, &[("HOME", "/home/u"), ("XDG_DATA_HOME", "/xdg")]),
            Some(PathBuf::from("/xdg/patter"))
        );
        assert_eq!(
            r(Persist::PlatformDefault, &[("HOME", "/home/u"), ("XDG_DATA_HOME", "rel")]),
            Some(PathBuf::from("/home/u/.local/share/patter"))
        );
        // Relative paths become absolute at resolution time.
        let rel = r(Persist::Path("rel/dir".into()), &home).unwrap();
        assert!(rel.is_absolute() && rel.ends_with("rel/dir"));
    }

    #[test]
    fn explicit_errors_and_env_never_errors() {
        assert!(resolve_root(&Persist::Path("".into()), &env(&[])).is_err());
        assert!(resolve_root(&Persist::Path("a\0b".into()), &env(&[])).is_err());
        assert!(resolve_root(&Persist::PlatformDefault, &env(&[])).is_err());
        assert_eq!(resolve_root(&Persist::Unset, &env(&[("PATTER_LOG_DIR", "auto")])).unwrap(), None);
        assert_eq!(resolve_root(&Persist::Unset, &env(&[("PATTER_LOG_DIR", "a\0b")])).unwrap(), None);
    }

    #[test]
    fn tilde_user_form_not_expanded() {
        assert_eq!(expand_tilde("~bob/x", &env(&[("HOME", "/h")])), PathBuf::from("~bob/x"));
        assert_eq!(expand_tilde("~/x", &env(&[])), PathBuf::from("~/x"));
    }

    #[test]
    fn retention_parsing() {
        assert_eq!(parse_retention_days(None), 30);
        assert_eq!(parse_retention_days(Some("7")), 7);
        assert_eq!(parse_retention_days(Some(" 0 ")), 0);
        assert_eq!(parse_retention_days(Some("-5")), 0);
        assert_eq!(parse_retention_days(Some("abc")), 30);
        assert_eq!(parse_retention_days(Some("")), 30);
        assert_eq!(parse_retention_days(Some("1.5")), 30);
        assert_eq!(parse_retention_days(Some("99999999999")), u32::MAX);
    }

    #[test]
    fn redaction_parsing() {
        let e = env(&[("PATTER_LOG_REDACT_PHONE", "HASH_ONLY"), ("PATTER_LOG_HASH_KEY", "s3cret")]);
        assert_eq!(PhoneRedaction::from_env(&e), PhoneRedaction::HashOnly { key: HashKey::new(b"s3cret".to_vec()) });
        let e = env(&[("PATTER_LOG_REDACT_PHONE", "hash_only"), ("PATTER_LOG_HASH_KEY", "")]);
        assert_eq!(PhoneRedaction::from_env(&e), PhoneRedaction::HashOnly { key: None });
        assert_eq!(PhoneRedaction::from_env(&env(&[("PATTER_LOG_REDACT_PHONE", "full")])), PhoneRedaction::Full);
        assert_eq!(PhoneRedaction::from_env(&env(&[("PATTER_LOG_REDACT_PHONE", "bogus")])), PhoneRedaction::Mask);
        assert_eq!(PhoneRedaction::from_env(&env(&[])), PhoneRedaction::Mask);
        let dbg = format!("{:?}", HashKey::new(b"s3cret".to_vec()).unwrap());
        assert!(!dbg.contains("s3cret"));
    }

    #[test]
    fn resolve_whole_config() {
        let e = env(&[("PATTER_LOG_DIR", "/tmp/x"), ("PATTER_LOG_RETENTION_DAYS", "-1")]);
        let c = LogConfig::resolve(&Persist::Unset, &e).unwrap();
        assert_eq!(c.root, Some(PathBuf::from("/tmp/x")));
        assert_eq!(c.retention_days, 0);
        assert_eq!(c.redaction, PhoneRedaction::Mask);
        assert_eq!(c.queue_capacity, DEFAULT_QUEUE_CAPACITY);
    }
}
