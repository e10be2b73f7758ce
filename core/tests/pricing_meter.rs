//! CostMeter and default-table behaviour. Every expectation is computed by hand in the
//! comments from the default rates (USD per minute / per 1k chars / per 1M tokens).

use patter_core::pricing::{round_usd, Category, CostMeter, PricingTable};
use patter_core::records::{CostBreakdown, Direction};

fn meter() -> CostMeter {
    CostMeter::new(PricingTable::defaults())
}

/// Float comparison for unrounded amounts (rounded breakdowns are compared exactly).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn multi_provider_pipeline_call() {
    let mut m = meter();
    // Twilio outbound 95 s: round-up → ceil(95/60) = 2 min × $0.013 = $0.026
    assert!(close(m.add_telephony("twilio", Direction::Outbound, 95.0), 0.026));
    // Deepgram nova-3, 130 s: 130/60 min × $0.0048 = $0.0104
    assert!(close(m.add_stt("deepgram", Some("nova-3"), 130.0), 0.0104));
    // ElevenLabs eleven_flash_v2_5, 1,234 chars: 1.234 × $0.05 = $0.0617
    assert!(close(m.add_tts("elevenlabs", Some("eleven_flash_v2_5"), 1234), 0.0617));
    // Anthropic, dated id → claude-haiku-4-5 ($1 in, $5 out, $0.10 cached per 1M):
    // (1200×1 + 350×5 + 800×0.1) / 1e6 = (1200 + 1750 + 80) / 1e6 = $0.00303
    assert!(close(m.add_llm("anthropic", Some("claude-haiku-4-5-20251001"), 1200, 350, 800), 0.00303));
    // OpenAI gpt-4o-mini ($0.15 in, $0.60 out): (2000×0.15 + 500×0.6) / 1e6 = (300 + 300) / 1e6 = $0.0006
    assert!(close(m.add_llm("openai", Some("gpt-4o-mini"), 2000, 500, 0), 0.0006));

    // llm = 0.00303 + 0.0006 = 0.00363; total = 0.026 + 0.0104 + 0.0617 + 0.00363 = 0.10173
    assert_eq!(
        m.breakdown(),
        CostBreakdown { total: 0.10173, telephony: 0.026, stt: 0.0104, tts: 0.0617, llm: 0.00363, realtime: 0.0 }
    );
    assert!(m.unpriced().is_empty());
}

#[test]
fn telephony_direction_and_round_up() {
    let t = PricingTable::defaults();
    // Twilio rounds up: inbound 95 s → 2 min × 0.0085 = 0.017; 120 s → exactly 2 min; 121 s → 3 min
    assert_eq!(t.telephony_cost("twilio", Direction::Inbound, 95.0), Some(0.017));
    assert!(close(t.telephony_cost("twilio", Direction::Inbound, 120.0).unwrap_or(-1.0), 0.017));
    assert!(close(t.telephony_cost("twilio", Direction::Inbound, 121.0).unwrap_or(-1.0), 3.0 * 0.0085));
    assert_eq!(t.telephony_cost("twilio", Direction::Inbound, 0.0), Some(0.0));
    // Telnyx does not round and prices by direction:
    // outbound 95 s → 95/60 × 0.007 = 0.0110833…; inbound 95 s → 95/60 × 0.0035 = 0.00554166…
    let mut m = meter();
    assert!(close(m.add_telephony("Telnyx", Direction::Outbound, 95.0), 95.0 / 60.0 * 0.007));
    assert_eq!(m.breakdown().telephony, 0.011083);
    let mut m = meter();
    m.add_telephony("telnyx", Direction::Inbound, 95.0);
    assert_eq!(m.breakdown().telephony, 0.005542);
}

#[test]
fn model_matching_exact_longest_prefix_default() {
    let t = PricingTable::defaults();
    // exact beats prefix: nova-3-multilingual ($0.0058) rather than nova-3 ($0.0048)
    assert_eq!(t.flat_rate(Category::Stt, "deepgram", Some("nova-3-multilingual")), Some(0.0058));
    // longest prefix: nova-3-general → nova-3; nova-2-phonecall → nova-2 (not nova)
    assert_eq!(t.flat_rate(Category::Stt, "deepgram", Some("nova-3-general")), Some(0.0048));
    assert_eq!(t.flat_rate(Category::Stt, "deepgram", Some("nova-2-phonecall")), Some(0.0058));
    // no model key matches → provider default
    assert_eq!(t.flat_rate(Category::Stt, "deepgram", Some("enhanced")), Some(0.0048));
    assert_eq!(t.flat_rate(Category::Tts, "elevenlabs", None), Some(0.05));
    // LLM: longest prefix between gpt-4o and gpt-4o-mini
    let mini = t.llm_rates("openai", Some("gpt-4o-mini-2024-07-18")).map(|r| r.input);
    assert_eq!(mini, Some(0.15));
    let full = t.llm_rates("openai", Some("gpt-4o-2024-08-06")).map(|r| r.input);
    assert_eq!(full, Some(2.5));
    // model ids are case-insensitive, and a `models/` path prefix is looked through
    assert_eq!(t.llm_rates("OpenAI", Some("GPT-4o-Mini")).map(|r| r.output), Some(0.6));
    assert_eq!(t.llm_rates("google", Some("models/gemini-2.5-flash")).map(|r| r.output), Some(2.5));
    // a prefix must end at a separator: gpt-realtime-2025-08-28 is gpt-realtime, not gpt-realtime-2
    assert_eq!(t.flat_rate(Category::Realtime, "openai_realtime", Some("gpt-realtime-2025-08-28")), Some(0.0576));
}

#[test]
fn aliases_per_category() {
    let t = PricingTable::defaults();
    assert_eq!(t.flat_rate(Category::Tts, "OpenAI_TTS", Some("tts-1-hd")), Some(0.030));
    assert_eq!(t.flat_rate(Category::Tts, "openai", Some("gpt-4o-mini-tts")), Some(0.012));
    assert_eq!(t.flat_rate(Category::Tts, "cartesia_tts", Some("sonic-2")), Some(0.030));
    assert_eq!(t.flat_rate(Category::Tts, "elevenlabs_ws", None), Some(0.05));
    assert_eq!(t.flat_rate(Category::Stt, "openai", Some("gpt-4o-mini-transcribe")), Some(0.003));
    assert_eq!(t.flat_rate(Category::Stt, "openai_transcribe", None), Some(0.006));
    assert_eq!(t.flat_rate(Category::Stt, "whisper", Some("gpt-realtime-whisper")), Some(0.017));
    assert_eq!(t.flat_rate(Category::Stt, "cartesia_stt", None), Some(0.0025));
    assert_eq!(t.llm_rates("gemini", Some("gemini-2.5-pro")).map(|r| r.input), Some(1.25));
    assert_eq!(t.flat_rate(Category::Realtime, "openai", Some("gpt-realtime-mini")), Some(0.018));
    assert_eq!(t.flat_rate(Category::Realtime, "elevenlabs", None), Some(0.10));
}

#[test]
fn realtime_minutes() {
    let mut m = meter();
    // gpt-realtime: 3 min × $0.0576 = $0.1728; ConvAI: 2.5 min × $0.10 = $0.25
    m.add_realtime("openai_realtime", Some("gpt-realtime"), 3.0);
    m.add_realtime("elevenlabs_convai", None, 2.5);
    let b = m.breakdown();
    assert_eq!(b.realtime, 0.4228);
    assert_eq!(b.total, 0.4228);
}

#[test]
fn unknown_providers_and_models_are_unpriced_not_errors() {
    let mut m = meter();
    assert_eq!(m.add_tts("acme", None, 5000), 0.0);
    assert_eq!(m.add_tts("ACME", Some("voice-1"), 10), 0.0); // unknown provider: listed once, no model
    assert_eq!(m.add_llm("openai", Some("gpt-9"), 100, 100, 0), 0.0); // known provider, unknown model
    assert_eq!(m.add_llm("openai", Some("GPT-9"), 1, 1, 1), 0.0); // same label after normalising
    assert_eq!(m.add_llm("openai", None, 1, 1, 0), 0.0); // LLMs have no provider default
    assert_eq!(m.add_stt("telnyx_stt", None, 60.0), 0.0);
    assert_eq!(m.add_telephony("vonage", Direction::Inbound, 60.0), 0.0);
    assert_eq!(m.add_realtime("openai", Some("gpt-realtime"), 1.0), 0.0576); // priced: not listed
    assert_eq!(m.unpriced(), vec!["llm:openai", "llm:openai/gpt-9", "stt:telnyx_stt", "telephony:vonage", "tts:acme"]);
    let b = m.breakdown();
    assert_eq!((b.tts, b.llm, b.stt, b.telephony), (0.0, 0.0, 0.0, 0.0));
    assert_eq!(b.total, 0.0576);

    let t = PricingTable::defaults();
    assert_eq!(t.tts_cost("acme", None, 1000), None);
    assert_eq!(t.llm_cost("openai", Some("gpt-9"), 1, 1, 1), None);
    assert_eq!(PricingTable::empty().stt_cost("deepgram", None, 60.0), None);
}

#[test]
fn zero_usage_meter_is_all_zeros() {
    let m = meter();
    assert_eq!(m.breakdown(), CostBreakdown::default());
    assert!(m.unpriced().is_empty());
    let mut m = meter();
    m.add_stt("deepgram", None, 0.0);
    m.add_tts("elevenlabs", None, 0);
    m.add_llm("openai", Some("gpt-4o"), 0, 0, 0);
    m.add_telephony("twilio", Direction::Outbound, 0.0); // ceil(0) = 0 minutes
    assert_eq!(m.breakdown(), CostBreakdown::default());
    assert!(m.unpriced().is_empty());
}

#[test]
fn bad_usage_inputs_count_as_zero() {
    let mut m = meter();
    for bad in [f64::NAN, -5.0, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(m.add_stt("deepgram", None, bad), 0.0);
        assert_eq!(m.add_telephony("twilio", Direction::Inbound, bad), 0.0);
        assert_eq!(m.add_realtime("openai_realtime", None, bad), 0.0);
        assert_eq!(m.add_usd(Category::Llm, bad), 0.0);
    }
    assert_eq!(m.breakdown(), CostBreakdown::default());
    assert!(m.unpriced().is_empty());
}

#[test]
fn rounding_each_part_then_total_is_sum_of_rounded_parts() {
    let mut m = meter();
    // Two parts of $0.0000015 each: each rounds half away from zero to 0.000002, so
    // total = 0.000002 + 0.000002 = 0.000004 (the unrounded sum 0.000003 is NOT used).
    m.add_usd(Category::Stt, 0.0000015);
    m.add_usd(Category::Tts, 0.0000015);
    // $0.0000004 rounds down to 0 and adds nothing to the total.
    m.add_usd(Category::Llm, 0.0000004);
    // 0.0000025 is a decimal tie: half away from zero gives 0.000003 (not 0.000002).
    m.add_usd(Category::Telephony, 0.0000025);
    let b = m.breakdown();
    assert_eq!((b.stt, b.tts, b.llm, b.telephony, b.realtime), (0.000002, 0.000002, 0.0, 0.000003, 0.0));
    assert_eq!(b.total, 0.000007);
    // total is the float sum of the parts, rounded again (the raw f64 sum is 6.999999999999999e-6)
    assert_eq!(b.total, round_usd(b.telephony + b.stt + b.tts + b.llm + b.realtime));
}

#[test]
fn sums_are_rounded_once_not_per_addition() {
    let mut m = meter();
    // 100 × 5 ms of Deepgram: each add is 0.005/60 × $0.0048 = $0.0000004, which alone rounds
    // to 0.000000; the unrounded sum is 100 × 0.0000004 = $0.00004, rounded once at the end.
    for _ in 0..100 {
        m.add_stt("deepgram", None, 0.005);
    }
    assert_eq!(m.breakdown().stt, 0.00004);
    assert!(close(m.unrounded(Category::Stt), 0.00004));
    // A meter with a single add of the same amount shows 0 (0.0000004 rounds down).
    let mut one = meter();
    one.add_stt("deepgram", None, 0.005);
    assert_eq!(one.breakdown().stt, 0.0);
}
