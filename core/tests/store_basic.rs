//! MetricsStore: live updates, ordering, paging, ring eviction, active calls, aggregates,
//! JSON shape.

mod calllog_support;
use calllog_support::*;

use patter_core::records::CallStatus;
use patter_core::store::{MetricsStore, RecordSource};

fn finish(store: &MetricsStore, id: &str, start_s: &str, end_s: &str, dur: u64, cost: f64, p50: Option<f64>) {
    let s = start(id, ts(start_s));
    store.record_call_start(&s);
    store.record_transcript(id, &user_line(1, "hello", ts(start_s)));
    store.record_transcript(id, &agent_line(1, "hi there", ts(end_s)));
    store.record_event(id, &event("tool_call", ts(start_s)));
    store.record_call_end(&s, &end(ts(end_s), dur, cost, p50));
}

#[test]
fn live_calls_flow_into_the_ring_newest_first() {
    let store = MetricsStore::new(3);
    assert_eq!(store.capacity(), 3);
    let s = start("live", ts("2026-04-23T10:00:00Z"));
    store.record_call_start(&s);
    store.record_transcript("live", &user_line(1, "hi", ts("2026-04-23T10:00:01Z")));
    store.record_transcript("unknown-id", &user_line(1, "ignored", ts("2026-04-23T10:00:01Z")));
    let active = store.get_active_calls();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].summary.status, "in_progress");
    assert_eq!(active[0].summary.caller.as_deref(), Some("***4567"), "masked by default");
    assert_eq!(active[0].transcript.len(), 1);
    assert!(store.get_call("live").is_some(), "get_call finds active calls too");
    assert!(store.is_empty());

    finish(&store, "a", "2026-04-23T10:00:00Z", "2026-04-23T10:01:00Z", 60_000, 0.1, Some(400.0));
    finish(&store, "b", "2026-04-23T10:00:30Z", "2026-04-23T10:02:00Z", 90_000, 0.2, None);
    // c started first but ended last: ordering is by completion.
    finish(&store, "c", "2026-04-23T09:00:00Z", "2026-04-23T10:03:00Z", 3_780_000, 0.3, Some(600.0));
    let ids: Vec<_> = store.get_calls(10, 0).into_iter().map(|c| c.call_id).collect();
    assert_eq!(ids, ["c", "b", "a"]);
    assert_eq!(store.get_calls(1, 1)[0].call_id, "b");
    assert!(store.get_calls(5, 3).is_empty());
    // Capacity 3: the oldest falls off.
    finish(&store, "d", "2026-04-23T10:03:00Z", "2026-04-23T10:04:00Z", 60_000, 0.4, None);
    let ids: Vec<_> = store.get_calls(10, 0).into_iter().map(|c| c.call_id).collect();
    assert_eq!(ids, ["d", "c", "b"]);
    assert!(store.get_call("a").is_none());
    let d = store.get_call("d").unwrap();
    assert_eq!(d.transcript.len(), 2);
    assert_eq!(d.transcript[1].role, "assistant");
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.summary.source, RecordSource::Live);
    assert_eq!(d.summary.status, "completed");
    assert_eq!(d.summary.duration_ms, Some(60_000));
    // Ending a call removes it from the active set.
    assert_eq!(store.get_active_calls().len(), 1);
    store.record_call_end(&s, &end(ts("2026-04-23T10:05:00Z"), 300_000, 0.0, None));
    assert!(store.get_active_calls().is_empty());
    assert_eq!(store.get_calls(1, 0)[0].call_id, "live");
}

#[test]
fn record_json_mirrors_metadata_plus_transcript() {
    let store = MetricsStore::default();
    assert_eq!(store.capacity(), 500);
    finish(&store, "j", "2026-04-23T10:00:00Z", "2026-04-23T10:01:00Z", 60_000, 0.1234, Some(412.0));
    let v = serde_json::to_value(store.get_call("j").unwrap()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "call_id",
            "direction",
            "trace_id",
            "started_at",
            "ended_at",
            "duration_ms",
            "status",
            "caller",
            "callee",
            "telephony_provider",
            "provider_mode",
            "agent",
            "turns",
            "cost",
            "latency",
            "error",
            "unpriced",
            "source",
            "transcript",
            "events"
        ]
    );
    assert_eq!(v["started_at"], "2026-04-23T10:00:00.000Z");
    assert_eq!(v["cost"]["total"], 0.1234);
    assert_eq!(v["latency"]["p50_ms"], 412.0);
    assert_eq!(v["transcript"][0]["text"], "hello");
    assert_eq!(v["events"][0]["type"], "tool_call");
    let list = serde_json::to_value(store.get_calls(10, 0)).unwrap();
    assert!(list[0].get("transcript").is_none(), "listings carry no transcript");
}

#[test]
fn aggregates() {
    let store = MetricsStore::new(10);
    let empty = store.get_aggregates();
    assert_eq!(
        (empty.total_calls, empty.total_cost, empty.avg_cost, empty.avg_duration_ms, empty.latency),
        (0, 0.0, 0.0, None, None)
    );
    finish(&store, "a", "2026-04-23T10:00:00Z", "2026-04-23T10:01:00Z", 60_000, 0.1, Some(400.0));
    finish(&store, "b", "2026-04-23T10:00:00Z", "2026-04-23T10:02:00Z", 120_000, 0.2, None);
    let s = start("f", ts("2026-04-23T10:00:00Z"));
    store.record_call_start(&s);
    let mut e = end(ts("2026-04-23T10:03:00Z"), 30_000, 0.3, Some(800.0));
    e.status = CallStatus::Failed;
    e.error = Some("timeout".into());
    store.record_call_end(&s, &e);
    store.record_call_start(&start("still-live", ts("2026-04-23T10:04:00Z")));
    let a = store.get_aggregates();
    assert_eq!((a.total_calls, a.completed, a.failed, a.abandoned, a.active_calls), (3, 2, 1, 0, 1));
    assert_eq!(a.total_cost, 0.6, "0.1 + 0.2 + 0.3, rounded to 6 decimals");
    assert_eq!(a.avg_cost, 0.2);
    assert_eq!(a.cost_breakdown.total, a.total_cost);
    assert_eq!(a.cost_breakdown.telephony, 0.3);
    assert_eq!(a.avg_duration_ms, Some(70_000.0));
    // Percentiles over the calls' own p50s, newest first (f: 800, a: 400), via the shared
    // type-7 function; a single call's p50 is its own percentile once that function is real.
    assert_eq!(a.latency, patter_core::percentile::latency_summary(&[800.0, 400.0]));
    let one = MetricsStore::new(10);
    finish(&one, "x", "2026-04-23T10:00:00Z", "2026-04-23T10:01:00Z", 1, 0.0, Some(412.0));
    assert_eq!(one.get_aggregates().latency, patter_core::percentile::latency_summary(&[412.0]));
}
