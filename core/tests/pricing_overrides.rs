//! Overrides from code and from JSON files, bad override files, and the JSON dump.

use patter_core::config::{load_pricing, MapEnv, PricingOptions, PRICING_FILE_ENV};
use patter_core::pricing::{Category, CostMeter, Overrides, PricingTable, TokenOverride, Unit};
use patter_core::records::Direction;
use patter_core::PatterError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A file in its own directory under the system temp dir, removed (with the directory) on
/// drop. One directory per file: tests run in parallel, and a shared directory removed by one
/// test's drop could vanish between another test's mkdir and its write.
struct TempFile(PathBuf);

impl TempFile {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Writes `content` to a fresh file under the system temp dir.
fn temp_file(name: &str, content: &str) -> TempFile {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("patter-pricing-tests-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write temp file");
    TempFile(path)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn code_overrides_apply_to_every_category_including_llm() {
    let overrides = Overrides::new()
        // LLM: gpt-4o-mini becomes $1 in / $2 out per 1M (cached defaults to the old $0.075)
        .with_llm_model(
            "openai",
            "gpt-4o-mini",
            TokenOverride { input: Some(1.0), output: Some(2.0), cached_input: None },
        )
        // LLM: only the cached rate of claude-haiku-4-5 changes; input/output keep $1/$5
        .with_llm_model(
            "anthropic",
            "claude-haiku-4-5",
            TokenOverride { cached_input: Some(0.05), ..Default::default() },
        )
        // a new TTS provider at $0.02 per 1k chars
        .with_price(Category::Tts, "acme", 0.02)
        // Twilio without round-up
        .with_round_up("twilio", false);
    let table = Arc::new(PricingTable::defaults().with_overrides(&overrides).expect("valid overrides"));
    let mut m = CostMeter::new(table);

    // (1000×1 + 1000×2 + 1000×0.075) / 1e6 = 3075 / 1e6 = $0.003075
    assert!(close(m.add_llm("openai", Some("gpt-4o-mini-2024-07-18"), 1000, 1000, 1000), 0.003075));
    // (1000×1 + 1000×5 + 1000×0.05) / 1e6 = 6050 / 1e6 = $0.00605
    assert!(close(m.add_llm("anthropic", Some("claude-haiku-4-5-20251001"), 1000, 1000, 1000), 0.00605));
    // 1,500 chars × $0.02 / 1000 = $0.03
    assert!(close(m.add_tts("ACME", None, 1500), 0.03));
    // 95 s outbound, no round-up: 95/60 × 0.013 = 0.0205833… → 0.020583
    m.add_telephony("twilio", Direction::Outbound, 95.0);
    let b = m.breakdown();
    // llm = 0.003075 + 0.00605 = 0.009125
    assert_eq!((b.llm, b.tts, b.telephony), (0.009125, 0.03, 0.020583));
    // total = 0.009125 + 0.03 + 0.020583 = 0.059708
    assert_eq!(b.total, 0.059708);
    assert!(m.unpriced().is_empty());
    // the defaults themselves are untouched
    assert_eq!(PricingTable::defaults().llm_rates("openai", Some("gpt-4o-mini")).map(|r| r.input), Some(0.15));
}

#[test]
fn override_units_are_converted_to_base_units() {
    let overrides = Overrides::new()
        // $0.15 per hour = 0.15 × 60 / 3600 = $0.0025 per minute
        .with_price(Category::Stt, "newstt", 0.15)
        .with_unit(Category::Stt, "newstt", Unit::Hour)
        // $2.5e-6 per token = $2.5 per 1M tokens
        .with_llm_model("newllm", "m1", TokenOverride { input: Some(2.5e-6), output: Some(1e-5), cached_input: None })
        .with_unit(Category::Llm, "newllm", Unit::Token);
    let t = PricingTable::defaults().with_overrides(&overrides).expect("valid");
    assert_eq!(t.flat_rate(Category::Stt, "newstt", None), Some(0.0025));
    let r = t.llm_rates("newllm", Some("m1")).expect("priced");
    assert_eq!((r.input, r.output), (2.5, 10.0));
    // 600 s = 10 min × 0.0025 = $0.025
    assert!(close(t.stt_cost("newstt", None, 600.0).unwrap_or(-1.0), 0.025));
}

#[test]
fn json_file_from_env_overrides_llm_and_adds_a_provider() {
    let path = temp_file(
        "pricing.json",
        r#"{
          "version": "ignored",
          "llm": {
            "openai": { "models": { "gpt-4o": { "input": 2.0, "output": 8.0, "cache_read": 1.0 } } },
            "mistral": { "input": 0.5, "output": 1.5, "models": { "mistral-large": { "input": 2, "output": 6 } } }
          },
          "tts": { "openai_tts": { "models": { "tts-1": 0.02 } }, "acme": 0.04 },
          "telephony": { "telnyx_inbound": 0.004, "twilio": { "models": { "outbound": 0.014 } } }
        }"#,
    );
    let env = MapEnv::from_pairs(&[(PRICING_FILE_ENV, path.path().to_str().expect("utf-8 path"))]);
    let table = load_pricing(&PricingOptions::default(), &env).expect("file loads");

    // gpt-4o: (1000×2 + 1000×8 + 1000×1) / 1e6 = $0.011
    assert!(close(table.llm_cost("openai", Some("gpt-4o-2024-08-06"), 1000, 1000, 1000).unwrap_or(-1.0), 0.011));
    // new provider: exact model key, then provider default for other models; cached = input rate
    // mistral-large: (1000×2 + 1000×6) / 1e6 = $0.008
    assert!(close(table.llm_cost("mistral", Some("mistral-large-2411"), 1000, 1000, 0).unwrap_or(-1.0), 0.008));
    // mistral-small (default 0.5/1.5, cached at input 0.5): (1000×0.5 + 1000×1.5 + 1000×0.5) / 1e6 = $0.0025
    assert!(close(table.llm_cost("mistral", Some("mistral-small"), 1000, 1000, 1000).unwrap_or(-1.0), 0.0025));
    // alias key `openai_tts` changed the `openai` TTS entry; `acme` shorthand number = default price
    assert_eq!(table.flat_rate(Category::Tts, "openai", Some("tts-1")), Some(0.02));
    assert_eq!(table.flat_rate(Category::Tts, "openai", Some("tts-1-hd")), Some(0.030));
    assert_eq!(table.flat_rate(Category::Tts, "acme", None), Some(0.04));
    // direction shorthand; Twilio keeps its round-up: 95 s outbound → 2 min × 0.014 = 0.028
    assert_eq!(table.flat_rate(Category::Telephony, "telnyx", Some("inbound")), Some(0.004));
    assert!(close(table.telephony_cost("twilio", Direction::Outbound, 95.0).unwrap_or(-1.0), 0.028));
}

#[test]
fn explicit_file_beats_env_and_code_beats_file() {
    let env_file = temp_file("env.json", r#"{"tts": {"acme": 0.01}}"#);
    let explicit = temp_file("explicit.json", r#"{"tts": {"acme": 0.02}, "stt": {"deepgram": 0.001}}"#);
    let env = MapEnv::from_pairs(&[(PRICING_FILE_ENV, env_file.path().to_str().expect("utf-8"))]);
    let opts = PricingOptions {
        file: Some(explicit.path().to_path_buf()),
        overrides: Some(Overrides::new().with_price(Category::Tts, "acme", 0.03)),
    };
    let t = load_pricing(&opts, &env).expect("loads");
    assert_eq!(t.flat_rate(Category::Tts, "acme", None), Some(0.03)); // code wins
    assert_eq!(t.flat_rate(Category::Stt, "deepgram", None), Some(0.001)); // explicit file, not env
    assert_eq!(t.flat_rate(Category::Stt, "deepgram", Some("nova-3")), Some(0.0048));
    // models kept
}

/// Loads `content` as an override file and returns the Corrupt reason (asserting the path).
fn corrupt_reason(content: &str) -> String {
    let file = temp_file("bad.json", content);
    let path = file.path();
    match PricingTable::defaults().with_overrides_file(path) {
        Err(PatterError::Corrupt { path: p, reason }) => {
            assert_eq!(p, path.display().to_string());
            let shown = PatterError::Corrupt { path: p, reason: reason.clone() }.to_string();
            assert!(shown.contains(&path.display().to_string()), "{shown}");
            reason
        }
        other => panic!("expected Corrupt for {content:?}, got {other:?}"),
    }
}

#[test]
fn bad_override_files_name_the_file_and_the_problem() {
    let cases: &[(&str, &str)] = &[
        ("{\"tts\": {", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "top level"),
        (r#"{"deepgram": {"price": 0.004}}"#, "unknown top-level key `deepgram`"),
        (r#"{"tts": {"acme": {"price": -0.01}}}"#, "tts.acme.price"),
        (r#"{"tts": {"acme": {"price": "0.01"}}}"#, "tts.acme.price: expected a number"),
        (r#"{"tts": {"acme": {"prise": 0.01}}}"#, "tts.acme.prise: unknown field"),
        (r#"{"tts": {"acme": {"unit": "furlong"}}}"#, "unknown unit `furlong`"),
        (r#"{"tts": {"acme": {"unit": "minute", "price": 1}}}"#, "tts.acme.unit"),
        (r#"{"stt": {"deepgram": {"round_up": true}}}"#, "only telephony"),
        (r#"{"llm": {"openai": {"price": 1.0}}}"#, "llm.openai.price"),
        (r#"{"llm": {"openai": {"models": {"gpt-9": 1.0}}}}"#, "llm.openai.models.gpt-9"),
        (r#"{"llm": {"openai": {"models": {"gpt-9": {"input": 1.0}}}}}"#, "`output` is required"),
        (r#"{"llm": {"openai": {"models": {"gpt-4o": {"input": 1, "tokens": 2}}}}}"#, "gpt-4o.tokens"),
        (r#"{"tts": {"acme": {"models": {"v1": {"input": 1}}}}}"#, "tts.acme.models.v1.input"),
        (r#"{"telephony": {"twilio": {"models": {"domestic": 0.01}}}}"#, "`inbound` or `outbound`"),
        (r#"{"telephony": {"telnyx_inbound": {"price": 0.01, "round_up": true}}}"#, "takes only `price`"),
        (r#"{"tts": {"openai": 0.01, "openai_tts": 0.02}}"#, "same rate"),
        (r#"{"tts": {"": 0.01}}"#, "must not be empty"),
        (r#"{"tts": {"acme": {"price": 1e999}}}"#, "not valid JSON"),
        (r#"{"llm": {"x": {"input": 1, "output": 1, "cached_input": 1, "cache_read": 1}}}"#, "give one"),
    ];
    for (content, expected) in cases {
        let reason = corrupt_reason(content);
        assert!(reason.contains(expected), "{content}: reason {reason:?} lacks {expected:?}");
    }
}

#[test]
fn unreadable_files_are_io_or_config_errors() {
    let missing = std::env::temp_dir().join("patter-pricing-definitely-missing.json");
    assert!(matches!(
        PricingTable::defaults().with_overrides_file(&missing),
        Err(PatterError::Io { path, .. }) if path.contains("definitely-missing")
    ));
    let opts = PricingOptions { file: Some(missing.clone()), overrides: None };
    assert!(matches!(load_pricing(&opts, &MapEnv::default()), Err(PatterError::Io { .. })));
    let env = MapEnv::from_pairs(&[(PRICING_FILE_ENV, missing.to_str().expect("utf-8"))]);
    assert!(matches!(
        load_pricing(&PricingOptions::default(), &env),
        Err(PatterError::Config { key, reason }) if key == PRICING_FILE_ENV && reason.contains("definitely-missing")
    ));
}

#[test]
fn non_finite_or_negative_code_overrides_are_config_errors() {
    for bad in [f64::NAN, f64::INFINITY, -0.5] {
        let o = Overrides::new().with_price(Category::Stt, "deepgram", bad);
        match PricingTable::defaults().with_overrides(&o) {
            Err(PatterError::Config { key, reason }) => {
                assert_eq!(key, "pricing");
                assert!(reason.contains("stt.deepgram.price"), "{reason}");
            }
            other => panic!("{bad}: expected Config, got {other:?}"),
        }
        let o = Overrides::new().with_llm_model(
            "openai",
            "gpt-4o",
            TokenOverride { cached_input: Some(bad), ..Default::default() },
        );
        assert!(matches!(PricingTable::defaults().with_overrides(&o), Err(PatterError::Config { .. })));
    }
    // a token rate on a non-LLM category, a price on an LLM
    let o = Overrides::new().with_llm_model("openai", "x", TokenOverride::default());
    assert!(PricingTable::defaults().with_overrides(&o).is_err());
    let o = Overrides::new().with_price(Category::Llm, "openai", 1.0);
    assert!(PricingTable::defaults().with_overrides(&o).is_err());
    assert!(matches!(Overrides::from_json_str("{"), Err(PatterError::Config { .. })));
}

#[test]
fn dump_loads_back_unchanged() {
    let defaults = PricingTable::defaults();
    let text = defaults.to_json();
    let reloaded = PricingTable::from_json_str(&text).expect("dump parses");
    assert_eq!(&reloaded, defaults.as_ref());

    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["version"], patter_core::pricing::PRICING_VERSION);
    assert_eq!(v["telephony"]["twilio"]["round_up"], true);
    assert_eq!(v["telephony"]["telnyx"]["round_up"], false);
    assert_eq!(v["telephony"]["telnyx"]["models"]["inbound"], 0.0035);
    assert_eq!(v["stt"]["deepgram"]["unit"], "minute");
    assert_eq!(v["tts"]["elevenlabs"]["unit"], "1k_chars");
    assert_eq!(v["llm"]["anthropic"]["unit"], "1m_tokens");
    assert_eq!(v["llm"]["anthropic"]["models"]["claude-haiku-4-5"]["cached_input"], 0.1);
    assert_eq!(v["realtime"]["openai_realtime"]["models"]["gpt-realtime"], 0.0576);

    // an overridden table round-trips too, and from_json_str holds no defaults
    let custom = defaults
        .with_overrides_json(r#"{"llm": {"acme": {"input": 1, "output": 2}}, "tts": {"acme": 0.5}}"#)
        .expect("valid");
    assert_eq!(PricingTable::from_json_str(&custom.to_json()).expect("parses"), custom);
    let only = PricingTable::from_json_str(r#"{"tts": {"acme": 0.5}}"#).expect("parses");
    assert_eq!(only.providers(Category::Tts), vec!["acme"]);
    assert!(only.providers(Category::Llm).is_empty());
}

#[test]
fn the_documented_example_file_is_valid() {
    let doc = include_str!("../../docs/pricing.md");
    let start = doc.find("```json\n").expect("example block") + "```json\n".len();
    let end = start + doc[start..].find("```").expect("block end");
    let table = PricingTable::defaults().with_overrides_json(&doc[start..end]).expect("documented example parses");
    // assemblyai: $0.15/hour = $0.0025/min; mistral-large: (2 + 6) per 1M
    assert_eq!(table.flat_rate(Category::Stt, "assemblyai", None), Some(0.0025));
    assert_eq!(table.flat_rate(Category::Tts, "elevenlabs", Some("eleven_v3")), Some(0.12));
    assert_eq!(table.flat_rate(Category::Telephony, "telnyx", Some("inbound")), Some(0.004));
    assert_eq!(table.llm_rates("mistral", Some("mistral-large")).map(|r| r.input + r.output), Some(8.0));
}
