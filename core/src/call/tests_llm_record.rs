//! Unit tests of `Call::record_llm`: one call records what `llm` + `first_token` + `usage` +
//! `end` record, checks every argument before recording anything, and keeps the rules of the
//! step-by-step form (turns, usage totals, calls that record no spans).

use super::tests::{attr, collector, manual, spans_of, PARENT};
use super::*;
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;

fn invalid_on<T: std::fmt::Debug>(r: Result<T>, arg: &str) {
    match r {
        Err(PatterError::InvalidArgument { name, .. }) => assert_eq!(name, arg),
        other => panic!("expected InvalidArgument on {arg}, got {other:?}"),
    }
}

fn full(model: &str) -> LlmRecord<'_> {
    LlmRecord {
        model: Some(model),
        history_size: Some(3),
        ttft_ms: Some(150.0),
        input_tokens: Some(412),
        output_tokens: Some(36),
        cached_input_tokens: Some(64),
    }
}

/// A span's attributes with the call id values left out (the two calls compared have different
/// ids), in order.
fn attrs_but_ids(s: &SpanData) -> Vec<(String, Value)> {
    s.attributes
        .iter()
        .filter(|kv| !matches!(kv.key.as_str(), n::CALL_ID | n::GEN_AI_CONVERSATION_ID | n::PATTER_CALL_ID))
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

#[test]
fn one_call_records_what_the_four_calls_record() {
    collector();
    // Step by step: llm at +100 ms, first token 150 ms later, usage and end 200 ms after the start.
    let (opts, clock) = manual("rl-steps", 41);
    let steps = Call::start(opts).unwrap();
    clock.advance_ms(100);
    let mut s = steps.llm("openai", Some("gpt-4o-mini"), 3).unwrap();
    clock.advance_ms(150);
    s.first_token().unwrap();
    clock.advance_ms(50);
    s.usage(412, 36, 64).unwrap();
    s.end();
    clock.advance_ms(10);
    let steps_end = steps.end(CallOutcome::Completed).unwrap();
    // One call at the same end time, with the same seed.
    let (opts, clock) = manual("rl-one", 41);
    let one = Call::start(opts).unwrap();
    clock.advance_ms(300);
    one.record_llm("openai", 200.0, full("gpt-4o-mini")).unwrap();
    clock.advance_ms(10);
    let one_end = one.end(CallOutcome::Completed).unwrap();

    assert_eq!((one_end.cost, one_end.usage, one_end.turns), (steps_end.cost, steps_end.usage, steps_end.turns));
    assert_eq!(one_end.latency, steps_end.latency);
    let (a, b) = (spans_of("rl-steps"), spans_of("rl-one"));
    assert_eq!(a.len(), 3, "call, turn, llm");
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.name, y.name);
        assert_eq!((x.start_time, x.end_time), (y.start_time, y.end_time), "{}", x.name);
        assert_eq!(x.span_context, y.span_context, "{}", x.name);
        assert_eq!(x.parent_span_id, y.parent_span_id, "{}", x.name);
        assert_eq!(attrs_but_ids(x), attrs_but_ids(y), "{}", x.name);
    }
    let llm = b.iter().find(|s| s.name == n::SPAN_LLM).unwrap();
    assert_eq!(attr(llm, n::LLM_TTFT_MS), Some(&Value::F64(150.0)));
    assert_eq!(attr(llm, n::GEN_AI_USAGE_INPUT_TOKENS), Some(&Value::I64(476)));
    assert_eq!(attr(llm, n::LLM_ITERATION), Some(&Value::I64(1)));
    // The turn opened at the iteration's start (no turn was open).
    let turn = b.iter().find(|s| s.name == n::SPAN_TURN).unwrap();
    assert_eq!(turn.start_time, llm.start_time);
}

#[test]
fn omitted_fields_are_left_out_or_counted_as_zero() {
    collector();
    let (opts, clock) = manual("rl-omitted", 42);
    let call = Call::start(opts).unwrap();
    clock.advance_ms(500);
    call.record_llm("openai", 120.0, LlmRecord::default()).unwrap();
    call.record_llm("openai", 80.0, LlmRecord { output_tokens: Some(7), ..Default::default() }).unwrap();
    assert_eq!(call.usage().llm_output_tokens, 7);
    assert_eq!(call.usage().llm_input_tokens, 0);
    call.end(CallOutcome::Completed).unwrap();
    let spans = spans_of("rl-omitted");
    let llm: Vec<_> = spans.iter().filter(|s| s.name == n::SPAN_LLM).collect();
    assert_eq!(llm.len(), 2);
    assert_eq!(attr(llm[0], n::LLM_HISTORY_SIZE), Some(&Value::I64(0)));
    assert_eq!(attr(llm[0], n::GEN_AI_REQUEST_MODEL), None);
    assert_eq!(attr(llm[0], n::LLM_TTFT_MS), None);
    assert_eq!(attr(llm[0], n::COST_LLM_INPUT_TOKENS), None, "no usage reported");
    assert_eq!(attr(llm[1], n::COST_LLM_INPUT_TOKENS), Some(&Value::I64(0)));
    assert_eq!(attr(llm[1], n::GEN_AI_USAGE_OUTPUT_TOKENS), Some(&Value::I64(7)));
    assert_eq!(attr(llm[1], n::LLM_ITERATION), Some(&Value::I64(2)));
    let (s, e) = (llm[0].start_time, llm[0].end_time);
    assert_eq!(e.duration_since(s).unwrap(), std::time::Duration::from_millis(120));
}

#[test]
fn bad_arguments_record_nothing() {
    let (opts, clock) = manual("rl-bad", 43);
    let call = Call::start(opts).unwrap();
    clock.advance_ms(1000);
    let ok = full("gpt-4o-mini");
    invalid_on(call.record_llm("", 10.0, ok), "provider");
    invalid_on(call.record_llm("openai", 10.0, LlmRecord { model: Some(""), ..ok }), "model");
    for d in [f64::NAN, f64::INFINITY, -1.0] {
        invalid_on(call.record_llm("openai", d, ok), "duration_ms");
    }
    for t in [f64::NAN, -0.5, 200.5] {
        invalid_on(call.record_llm("openai", 200.0, LlmRecord { ttft_ms: Some(t), ..ok }), "ttft_ms");
    }
    let too_many = rules::MAX_COUNT + 1;
    invalid_on(call.record_llm("openai", 200.0, LlmRecord { input_tokens: Some(too_many), ..ok }), "input_tokens");
    invalid_on(call.record_llm("openai", 200.0, LlmRecord { history_size: Some(too_many), ..ok }), "history_size");
    invalid_on(
        call.record_llm("openai", 200.0, LlmRecord { cached_input_tokens: Some(too_many), ..ok }),
        "cached_input_tokens",
    );
    assert_eq!(call.current_turn(), None, "no turn was opened");
    assert_eq!(call.usage(), Usage::default());
    // A report that would take a call total past the limit changes nothing either.
    let big = LlmRecord { output_tokens: Some(rules::MAX_COUNT), input_tokens: None, cached_input_tokens: None, ..ok };
    call.record_llm("openai", 200.0, big).unwrap();
    let before = call.usage();
    let turn = call.current_turn();
    invalid_on(call.record_llm("openai", 200.0, LlmRecord { output_tokens: Some(1), ..ok }), "output_tokens");
    assert_eq!((call.usage(), call.current_turn()), (before, turn));
    call.end(CallOutcome::Completed).unwrap();
    assert!(matches!(call.record_llm("openai", 200.0, ok), Err(PatterError::State(_))));
}

#[test]
fn an_open_turn_keeps_the_iteration_and_its_latency() {
    let (mut opts, clock) = manual("rl-turn", 44);
    opts.store = Some(Arc::new(MetricsStore::new(4)));
    let call = Call::start(opts).unwrap();
    clock.advance_ms(100);
    assert_eq!(call.start_turn().unwrap(), 1);
    clock.advance_ms(400);
    call.record_llm("openai", 300.0, LlmRecord { ttft_ms: Some(120.0), ..full("gpt-4o-mini") }).unwrap();
    call.record_llm("openai", 100.0, LlmRecord { ttft_ms: Some(40.0), ..full("gpt-4o-mini") }).unwrap();
    assert_eq!(call.current_turn(), Some(1));
    let st = call.inner.lock();
    let t = st.turn.as_ref().unwrap();
    assert_eq!(t.llm_iterations, 2);
    assert_eq!(t.latency.llm_ttft_ms, Some(120.0), "the turn keeps its first iteration's");
    assert_eq!(t.latency.llm_ms, Some(400.0));
    assert_eq!(t.usage.llm_output_tokens, 72);
    drop(st);
    call.end(CallOutcome::Completed).unwrap();
}

#[test]
fn a_call_that_records_no_spans_still_counts_usage_and_cost() {
    collector();
    let (mut opts, clock) = manual("rl-unsampled", 45);
    opts.traceparent = Some(PARENT.replace("-01", "-00"));
    let call = Call::start(opts).unwrap();
    assert!(!call.is_recording());
    clock.advance_ms(100);
    let million = LlmRecord { model: Some("gpt-4o-mini"), input_tokens: Some(1_000_000), ..Default::default() };
    call.record_llm("openai", 50.0, million).unwrap();
    let end = call.end(CallOutcome::Completed).unwrap();
    assert_eq!(end.usage.llm_input_tokens, 1_000_000);
    assert_eq!(end.cost.llm, 0.15);
    assert!(spans_of("rl-unsampled").is_empty());
}

#[test]
fn llm_rates_are_looked_up_once_per_pair_and_price_like_the_table() {
    let (opts, _clock) = manual("rl-rates", 46);
    let call = Call::start(opts).unwrap();
    for model in ["gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "no-such-model"] {
        call.record_llm("openai", 200.0, full(model)).unwrap();
    }
    let mut st = call.inner.lock();
    assert_eq!(st.llm_rates.len(), 3);
    let u = span::LlmUsage::new(412, 36, Some(64)).unwrap();
    for model in ["gpt-4o-mini", "gpt-4o", "no-such-model"] {
        let (p, m) = (st.shared_value("openai"), st.shared_value(model));
        let cached = call.inner.llm_usd(&mut st, &p, Some(&m), &u);
        let table = call.inner.span_usd("openai", |t| t.price_llm("openai", Some(model), 412, 36, 64));
        assert_eq!(cached, table, "{model}");
    }
    drop(st);
    call.end(CallOutcome::Completed).unwrap();
}
