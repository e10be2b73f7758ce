//! The JSON form of a table and of overrides (one format for both; see `docs/pricing.md`).

use super::aliases::canonical_provider;
use super::overrides::{ModelOverride, Overrides, ProviderOverride, TokenOverride};
use super::rates::{ProviderRates, TokenRates};
use super::table::PricingTable;
use super::units::{Category, Unit};
use super::{PRICING_LAST_UPDATED, PRICING_VERSION};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

type Res<T> = std::result::Result<T, String>;

const PROVIDER_KEYS: &str = "unit, price, round_up, input, output, cached_input (or cache_read), models";

/// Parses override JSON into checked [`Overrides`]; the error names the offending field.
pub(crate) fn parse_overrides(text: &str) -> Res<Overrides> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let top =
        value.as_object().ok_or_else(|| format!("expected a JSON object at the top level, got {}", kind(&value)))?;
    let mut out = Overrides::new();
    for (key, v) in top {
        if key == "version" || key == "last_updated" {
            continue; // informational, written by `to_json`
        }
        let category = Category::parse(key).ok_or_else(|| {
            format!(
                "unknown top-level key `{key}`: expected telephony, stt, tts, llm or realtime \
                 (provider entries go under their category, e.g. {{\"tts\": {{\"{key}\": {{…}}}}}})"
            )
        })?;
        parse_category(category, v, &mut out)?;
    }
    out.validate()?;
    Ok(out)
}

fn parse_category(category: Category, v: &Value, out: &mut Overrides) -> Res<()> {
    let providers =
        v.as_object().ok_or_else(|| format!("{category}: expected an object of providers, got {}", kind(v)))?;
    // canonical name -> the JSON key that set it, to reject two spellings of one provider.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (name, entry) in providers {
        let path = format!("{category}.{name}");
        let canonical = canonical_provider(category, name);
        if canonical.is_empty() {
            return Err(format!("{category}: a provider name must not be empty"));
        }
        if category == Category::Telephony {
            if let Some((stem, direction)) = split_direction(&canonical) {
                let price = shorthand_price(&path, entry)?;
                let claim = format!("{stem}.models.{direction}");
                claim_once(&mut seen, claim, name, &path)?;
                let provider = out.provider_mut(category, stem);
                if provider.models.contains_key(direction) {
                    return Err(format!("{path}: `{stem}.models.{direction}` is set twice"));
                }
                provider.models.insert(direction.to_string(), ModelOverride::Price(price));
                continue;
            }
        }
        claim_once(&mut seen, canonical.clone(), name, &path)?;
        let parsed = parse_provider(category, &path, entry)?;
        match out.get_mut_canonical(category, &canonical) {
            // Direction shorthands seen earlier already created the entry: keep their models.
            Some(existing) => {
                let mut parsed = parsed;
                for (k, m) in std::mem::take(&mut existing.models) {
                    if parsed.models.contains_key(&k) {
                        return Err(format!("{path}.models.{k} is also set by `{canonical}_{k}`"));
                    }
                    parsed.models.insert(k, m);
                }
                *existing = parsed;
            }
            None => out.insert(category, canonical, parsed),
        }
    }
    Ok(())
}

fn claim_once(seen: &mut BTreeMap<String, String>, claim: String, name: &str, path: &str) -> Res<()> {
    if let Some(first) = seen.get(&claim) {
        return Err(format!("{path}: `{first}` and `{name}` set the same rate ({claim})"));
    }
    seen.insert(claim, name.to_string());
    Ok(())
}

/// `telnyx_inbound` → (`telnyx`, `inbound`).
fn split_direction(name: &str) -> Option<(&str, &'static str)> {
    for direction in ["inbound", "outbound"] {
        if let Some(stem) = name.strip_suffix(direction).and_then(|s| s.strip_suffix('_')) {
            if !stem.is_empty() {
                return Some((stem, direction));
            }
        }
    }
    None
}

fn shorthand_price(path: &str, v: &Value) -> Res<f64> {
    if v.is_number() {
        return number(path, v);
    }
    let obj = v.as_object().ok_or_else(|| format!("{path}: expected a number or {{\"price\": …}}, got {}", kind(v)))?;
    for key in obj.keys() {
        if key != "price" {
            return Err(format!(
                "{path}.{key}: a direction key (`…_inbound`/`…_outbound`) takes only `price` (USD per minute); \
                 set unit, round_up and models on the provider itself"
            ));
        }
    }
    let p = obj.get("price").ok_or_else(|| format!("{path}: missing `price`"))?;
    number(&format!("{path}.price"), p)
}

fn parse_provider(category: Category, path: &str, v: &Value) -> Res<ProviderOverride> {
    let mut entry = ProviderOverride::default();
    if v.is_number() && category != Category::Llm {
        entry.price = Some(number(path, v)?);
        return Ok(entry);
    }
    let obj = v.as_object().ok_or_else(|| format!("{path}: expected an object ({PROVIDER_KEYS}), got {}", kind(v)))?;
    for (key, field) in obj {
        let fpath = format!("{path}.{key}");
        match key.as_str() {
            "unit" => {
                let s = field.as_str().ok_or_else(|| format!("{fpath}: expected a string, got {}", kind(field)))?;
                entry.unit = Some(Unit::parse(s).ok_or_else(|| {
                    format!("{fpath}: unknown unit `{s}`; expected one of {}", Unit::spellings(category.dimension()))
                })?);
            }
            "price" => entry.price = Some(number(&fpath, field)?),
            "round_up" => {
                entry.round_up = Some(
                    field.as_bool().ok_or_else(|| format!("{fpath}: expected true or false, got {}", kind(field)))?,
                )
            }
            "input" => entry.tokens.input = Some(number(&fpath, field)?),
            "output" => entry.tokens.output = Some(number(&fpath, field)?),
            "cached_input" | "cache_read" => set_cached(&mut entry.tokens, &fpath, field)?,
            "models" => entry.models = parse_models(category, &fpath, field)?,
            _ => return Err(format!("{fpath}: unknown field; expected {PROVIDER_KEYS}")),
        }
    }
    Ok(entry)
}

fn set_cached(t: &mut TokenOverride, path: &str, v: &Value) -> Res<()> {
    if t.cached_input.is_some() {
        return Err(format!("{path}: `cached_input` and `cache_read` are the same rate; give one"));
    }
    t.cached_input = Some(number(path, v)?);
    Ok(())
}

fn parse_models(category: Category, path: &str, v: &Value) -> Res<BTreeMap<String, ModelOverride>> {
    let obj = v.as_object().ok_or_else(|| format!("{path}: expected an object of model rates, got {}", kind(v)))?;
    let mut models = BTreeMap::new();
    for (key, rate) in obj {
        let mpath = format!("{path}.{key}");
        let parsed = match rate {
            Value::Number(_) => ModelOverride::Price(number(&mpath, rate)?),
            Value::Object(fields) => parse_model_object(category, &mpath, fields)?,
            other => return Err(format!("{mpath}: expected a price or an object of token rates, got {}", kind(other))),
        };
        models.insert(key.clone(), parsed);
    }
    Ok(models)
}

fn parse_model_object(category: Category, path: &str, fields: &Map<String, Value>) -> Res<ModelOverride> {
    if category != Category::Llm {
        let mut price = None;
        for (key, v) in fields {
            match key.as_str() {
                "price" => price = Some(number(&format!("{path}.price"), v)?),
                _ => {
                    return Err(format!(
                        "{path}.{key}: unknown field; a {category} model takes a number or {{\"price\": …}}"
                    ))
                }
            }
        }
        return price.map(ModelOverride::Price).ok_or_else(|| format!("{path}: missing `price`"));
    }
    let mut t = TokenOverride::default();
    for (key, v) in fields {
        let fpath = format!("{path}.{key}");
        match key.as_str() {
            "input" => t.input = Some(number(&fpath, v)?),
            "output" => t.output = Some(number(&fpath, v)?),
            "cached_input" | "cache_read" => set_cached(&mut t, &fpath, v)?,
            _ => return Err(format!("{fpath}: unknown field; an LLM model takes input, output, cached_input")),
        }
    }
    Ok(ModelOverride::Tokens(t))
}

fn number(path: &str, v: &Value) -> Res<f64> {
    let x = v.as_f64().ok_or_else(|| format!("{path}: expected a number, got {}", kind(v)))?;
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(format!("{path}: a price must be a finite number >= 0, got {x}"))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl PricingTable {
    /// The effective table as JSON (the override format, every price in its category's base
    /// unit), with `version`/`last_updated` of the built-in defaults for information.
    pub fn to_json_value(&self) -> Value {
        let mut top = Map::new();
        top.insert("version".into(), json!(PRICING_VERSION));
        top.insert("last_updated".into(), json!(PRICING_LAST_UPDATED));
        for category in Category::ALL {
            let providers: Map<String, Value> = match self.flat(category) {
                Some(map) => map.iter().map(|(n, r)| (n.clone(), flat_entry(category, r))).collect(),
                None => self.llm().iter().map(|(n, r)| (n.clone(), llm_entry(r))).collect(),
            };
            top.insert(category.as_str().into(), Value::Object(providers));
        }
        Value::Object(top)
    }

    /// [`PricingTable::to_json_value`] as pretty-printed text (2-space indent, trailing newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.to_json_value()).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn flat_entry(category: Category, rates: &ProviderRates<f64>) -> Value {
    let mut e = Map::new();
    e.insert("unit".into(), json!(category.base_unit().as_str()));
    if let Some(p) = rates.default {
        e.insert("price".into(), json!(p));
    }
    if category == Category::Telephony {
        e.insert("round_up".into(), json!(rates.round_up));
    }
    if !rates.models.is_empty() {
        let models: Map<String, Value> = rates.models.iter().map(|(k, p)| (k.clone(), json!(p))).collect();
        e.insert("models".into(), Value::Object(models));
    }
    Value::Object(e)
}

fn token_fields(e: &mut Map<String, Value>, t: &TokenRates) {
    e.insert("input".into(), json!(t.input));
    e.insert("output".into(), json!(t.output));
    if let Some(c) = t.cached_input {
        e.insert("cached_input".into(), json!(c));
    }
}

fn llm_entry(rates: &ProviderRates<TokenRates>) -> Value {
    let mut e = Map::new();
    e.insert("unit".into(), json!(Category::Llm.base_unit().as_str()));
    if let Some(t) = &rates.default {
        token_fields(&mut e, t);
    }
    if !rates.models.is_empty() {
        let models: Map<String, Value> = rates
            .models
            .iter()
            .map(|(k, t)| {
                let mut m = Map::new();
                token_fields(&mut m, t);
                (k.clone(), Value::Object(m))
            })
            .collect();
        e.insert("models".into(), Value::Object(models));
    }
    Value::Object(e)
}
