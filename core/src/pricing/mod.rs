//! Pricing: turns usage (minutes, characters, tokens) into USD.
//!
//! - [`PricingTable`]: rates per category and provider, with per-model rates matched by
//!   longest prefix; [`PricingTable::defaults`] holds the built-in list prices, and
//!   [`Overrides`] (from code or a JSON file, see [`crate::config::load_pricing`]) are merged on
//!   top of any category, LLM included.
//! - [`CostMeter`]: accumulates one call's (or turn's) cost by category and rounds it once into
//!   a [`crate::records::CostBreakdown`].
//!
//! The JSON format, the default rates and the rounding rule are documented in `docs/pricing.md`.

mod aliases;
mod defaults;
mod json;
mod meter;
mod overrides;
mod rates;
mod round;
mod table;
mod units;

pub use aliases::{canonical_provider, normalize_provider, provider_aliases};
pub use meter::CostMeter;
pub use overrides::{ModelOverride, Overrides, ProviderOverride, TokenOverride, MAX_OVERRIDE_FILE_BYTES};
pub use rates::{match_model_key, normalize_model, ProviderRates, TokenRates};
pub use round::{round_half_away, round_usd, COST_DECIMALS};
pub use table::{PricingTable, Providers};
pub use units::{Category, Dimension, Unit};

/// Version of the built-in default rates.
pub const PRICING_VERSION: &str = "2026.11";

/// Date the built-in default rates were last assembled (ISO 8601).
pub const PRICING_LAST_UPDATED: &str = "2026-11-23";
