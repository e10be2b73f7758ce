//! hydrate: reads our tree and the reference SDK's, skips and counts every kind of bad entry,
//! never follows links, is idempotent, walks newest day first and stops once the ring is full.

mod calllog_support;
use calllog_support::*;

use patter_core::calllog::CallLogger;
use patter_core::store::MetricsStore;
use std::fs;
use std::path::Path;

fn write_ours(root: &Path, id: &str, start_s: &str, end_s: &str, p50: f64) {
    let logger = CallLogger::with_config(test_config(root)).unwrap();
    let h = logger.start_call(&start(id, ts(start_s)));
    h.transcript(&user_line(1, "hello", ts(start_s)));
    h.transcript(&agent_line(1, "hi!", ts(end_s)));
    h.event(&event("tool_call", ts(start_s)));
    h.end(&end(ts(end_s), ts(end_s).millis_since(ts(start_s)) as u64, 0.05, Some(p50)));
    logger.flush();
}

/// A call directory exactly as getpatter 0.7 writes it (facts §7).
fn write_reference(root: &Path, ymd: &str, id: &str) {
    let d = root.join("calls").join(ymd).join(id);
    fs::create_dir_all(&d).unwrap();
    let meta = serde_json::json!({
        "schema_version": "1.0", "call_id": id, "trace_id": null,
        "started_at": "2026-04-22T18:02:12.413Z", "ended_at": "2026-04-22T18:03:47.892Z",
        "duration_ms": 95479.2, "status": "completed", "caller": "+15555550123", "callee": "+15555550199",
        "direction": "inbound", "telephony_provider": "twilio", "provider_mode": "pipeline",
        "agent": {"provider": "pipeline", "engine": null, "model": "gpt-4o-mini", "mode": "pipeline"},
        "turns": 2,
        "cost": {"stt": 0.01, "tts": 0.02, "llm": 0.08, "telephony": 0.0134, "total": 0.1234, "llm_cached_savings": 0.0},
        "latency": {"p50_ms": 412.0, "p95_ms": 870.0, "p99_ms": 1240.0,
                    "avg": {"stt_ms": 1.0, "total_ms": 500.0}, "p50": {"total_ms": 412.0}, "p95": {"total_ms": 870.0}, "p99": {"total_ms": 1240.0}},
        "error": null
    });
    fs::write(d.join("metadata.json"), serde_json::to_string_pretty(&meta).unwrap()).unwrap();
    let rows = [
        r#"{"schema_version": "1.0", "ts": "2026-04-22T18:02:20.000Z", "turn_index": 0, "user_text": "I need help", "agent_text": "Sure, with what?", "latency": {"stt_ms": 120.0, "llm_ms": 300.0, "tts_ms": 90.0, "total_ms": 640.0, "user_speech_duration_ms": null, "llm_ttft_ms": 300.0, "llm_total_ms": 800.0, "endpoint_ms": 200.0, "bargein_ms": null, "tts_total_ms": 900.0, "agent_response_ms": 590.0}, "stt_audio_seconds": 0.0, "tts_characters": 16, "timestamp": 1776880940.0}"#,
        r#"{"schema_version": "1.0", "ts": "2026-04-22T18:02:30.000Z", "turn_index": 1, "user_text": "my bill", "agent_text": "[interrupted]", "latency": {"stt_ms": 0.0, "total_ms": 0.0}, "stt_audio_seconds": 0.0, "tts_characters": 0, "timestamp": 1776880950.0}"#,
    ];
    // The reference writes the record and the newline in two writes: keep that shape.
    fs::write(d.join("transcript.jsonl"), format!("{}\n{}\n", rows[0], rows[1])).unwrap();
    fs::write(d.join("events.jsonl"), "{\"schema_version\": \"1.0\", \"ts\": \"2026-04-22T18:02:25.000Z\", \"type\": \"barge_in\", \"data\": {\"turn_index\": 1, \"bargein_ms\": 150.0}}\n").unwrap();
}

fn call_dir(root: &Path, ymd: &str, id: &str) -> std::path::PathBuf {
    let d = root.join("calls").join(ymd).join(id);
    fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn mixed_tree_with_corrupt_entries() {
    let t = TempDir::new("hyd-mixed");
    let root = t.path().join("root");
    write_ours(&root, "ours-1", "2026-04-23T10:00:00Z", "2026-04-23T10:01:00Z", 400.0);
    write_ours(&root, "ours-2", "2026-04-23T11:00:00Z", "2026-04-23T11:02:00Z", 600.0);
    write_reference(&root, "2026/04/22", "CAreference");
    let day = "2026/04/23";
    fs::write(call_dir(&root, day, "garbage").join("metadata.json"), b"\x00\xffnot json").unwrap();
    fs::write(
        call_dir(&root, day, "truncated").join("metadata.json"),
        b"{\"call_id\": \"truncated\", \"started_at\": \"2026-",
    )
    .unwrap();
    fs::write(call_dir(&root, day, "array").join("metadata.json"), b"[1, 2, 3]").unwrap();
    fs::write(call_dir(&root, day, "nostart").join("metadata.json"), b"{\"call_id\": \"nostart\"}").unwrap();
    fs::create_dir_all(call_dir(&root, day, "dir-meta").join("metadata.json")).unwrap();
    let huge = fs::File::create(call_dir(&root, day, "huge").join("metadata.json")).unwrap();
    huge.set_len(5 * 1024 * 1024).unwrap(); // sparse: cheap to make, over the 4 MiB cap
    call_dir(&root, day, "no-metadata");
    call_dir(&root, day, ".hidden-tmp");
    fs::write(root.join("calls/2026/04/23/stray-file"), b"x").unwrap();
    fs::write(root.join("calls/2026/04/README"), b"x").unwrap();
    // Crashed mid-call: in_progress on disk.
    let crashed = call_dir(&root, day, "crashed");
    fs::write(
        crashed.join("metadata.json"),
        br#"{"schema_version":"1.0","call_id":"crashed","started_at":"2026-04-23T09:00:00.000Z","ended_at":null,"duration_ms":null,"status":"in_progress","turns":0,"cost":null}"#,
    )
    .unwrap();
    // Torn tail + a garbage line in a transcript (and a leftover temp file).
    fs::write(
        crashed.join("transcript.jsonl"),
        b"{\"turn_index\":1,\"role\":\"user\",\"text\":\"a\",\"ts\":\"2026-04-23T09:00:01.000Z\"}\nnot json\n{\"turn_index\":1,\"role\":\"assis",
    )
    .unwrap();
    fs::write(crashed.join(".metadata.json.123.0.tmp"), b"{").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        // A metadata.json that is a link (to a valid file outside), and a FIFO (must not block).
        let outside = t.path().join("outside");
        write_ours(&outside, "outside-call", "2026-04-23T12:00:00Z", "2026-04-23T12:01:00Z", 1.0);
        symlink(
            outside.join("calls/2026/04/23/outside-call/metadata.json"),
            call_dir(&root, day, "linked-meta").join("metadata.json"),
        )
        .unwrap();
        let fifo = call_dir(&root, day, "fifo").join("metadata.json");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // A whole day that is a link to the outside tree, and a call directory that is one.
        fs::create_dir_all(root.join("calls/2026/05")).unwrap();
        symlink(outside.join("calls/2026/04/23"), root.join("calls/2026/05/01")).unwrap();
        symlink(outside.join("calls/2026/04/23/outside-call"), root.join("calls/2026/04/23/linked-dir")).unwrap();
    }

    let store = MetricsStore::new(500);
    let rep = store.hydrate_report(&root);
    assert_eq!(rep.loaded, 4, "{rep:?}");
    assert_eq!(rep.corrupt, 4, "garbage, truncated, array, nostart: {rep:?}");
    assert_eq!(rep.too_large, 1, "{rep:?}");
    assert_eq!(rep.missing_metadata, 1, "{rep:?}");
    #[cfg(unix)]
    assert_eq!(rep.wrong_type, 3, "dir, link, fifo: {rep:?}");
    assert!(store.get_call("outside-call").is_none(), "links are never followed");

    let ids: Vec<_> = store.get_calls(10, 0).into_iter().map(|c| c.call_id).collect();
    assert_eq!(ids, ["ours-2", "ours-1", "crashed", "CAreference"], "newest first by end (start when none)");

    let ours = store.get_call("ours-2").unwrap();
    assert_eq!(ours.summary.caller.as_deref(), Some("***4567"));
    assert_eq!(ours.summary.duration_ms, Some(120_000));
    assert_eq!(ours.transcript.len(), 2);
    assert_eq!(ours.transcript[1].latency.unwrap().ttfb_ms, Some(412.5));
    assert_eq!(ours.events.len(), 1);

    let r = store.get_call("CAreference").unwrap();
    assert_eq!(r.summary.caller.as_deref(), Some("***0123"), "raw numbers from disk are masked by the store");
    assert_eq!(r.summary.duration_ms, Some(95_479));
    assert_eq!(r.summary.provider_mode, "pipeline");
    assert_eq!(r.summary.latency.unwrap().p95_ms, 870.0);
    assert_eq!(r.summary.cost.unwrap().total, 0.1234);
    let texts: Vec<_> = r.transcript.iter().map(|e| (e.role.as_str(), e.text.as_str(), e.interrupted)).collect();
    assert_eq!(
        texts,
        [
            ("user", "I need help", false),
            ("assistant", "Sure, with what?", false),
            ("user", "my bill", false),
            ("assistant", "", true)
        ]
    );
    assert_eq!(r.transcript[1].latency.unwrap().ttfb_ms, Some(590.0));
    assert_eq!(r.events[0].kind, "barge_in");

    let c = store.get_call("crashed").unwrap();
    assert_eq!(
        (c.summary.status.as_str(), c.summary.ended_at.clone(), c.summary.duration_ms),
        ("abandoned", None, None)
    );
    assert_eq!(c.transcript.len(), 1, "the garbage line and the torn tail are skipped");
    let (_, _, jr) = patter_core::store::read_call_files(&crashed);
    assert_eq!((jr.bad_lines, jr.torn_tails, jr.truncated_files), (1, 1, 0));
    let agg = store.get_aggregates();
    assert_eq!((agg.total_calls, agg.completed, agg.abandoned), (4, 3, 1));
    assert_eq!(
        agg.avg_duration_ms,
        Some((60_000.0 + 120_000.0 + 95_479.0) / 3.0 * 10.0).map(|v: f64| v.round() / 10.0)
    );

    // Idempotent: nothing new the second time, and it does not read past the ring either.
    let again = store.hydrate_report(&root);
    assert_eq!((again.loaded, again.already_present), (0, 4), "{again:?}");
    assert_eq!(store.len(), 4);
}

#[test]
fn newest_day_first_and_stops_when_the_ring_is_full() {
    let t = TempDir::new("hyd-stop");
    let root = t.path();
    // 10 days × 10 calls, 2026-04-01 … 2026-04-10.
    for d in 1..=10 {
        for c in 0..10 {
            let id = format!("d{d:02}-c{c}");
            let dir = call_dir(root, &format!("2026/04/{d:02}"), &id);
            let meta = serde_json::json!({"call_id": id, "started_at": format!("2026-04-{d:02}T10:{c:02}:00.000Z"),
                "ended_at": format!("2026-04-{d:02}T11:{c:02}:00.000Z"), "status": "completed"});
            fs::write(dir.join("metadata.json"), meta.to_string()).unwrap();
        }
    }
    // Corrupt data in an old day must never even be looked at.
    fs::write(call_dir(root, "2026/04/01", "zz-bad").join("metadata.json"), b"garbage").unwrap();
    let store = MetricsStore::new(15);
    let rep = store.hydrate_report(root);
    assert_eq!((rep.loaded, rep.days_scanned, rep.stopped_early, rep.corrupt), (15, 2, true, 0), "{rep:?}");
    assert_eq!(rep.not_retained, 5, "the 5 older calls of 2026-04-09 were read and dropped: {rep:?}");
    let ids: Vec<_> = store.get_calls(100, 0).into_iter().map(|c| c.call_id).collect();
    let mut expected: Vec<String> = (0..10).rev().map(|c| format!("d10-c{c}")).collect();
    expected.extend((5..10).rev().map(|c| format!("d09-c{c}")));
    assert_eq!(ids, expected);
    // A second hydrate still stops early (present ids count towards the ring).
    let again = store.hydrate_report(root);
    assert_eq!((again.loaded, again.days_scanned), (0, 2), "{again:?}");
}

#[test]
fn hydrated_calls_stay_below_newer_live_calls() {
    let t = TempDir::new("hyd-live");
    write_ours(t.path(), "old-1", "2026-04-20T10:00:00Z", "2026-04-20T10:01:00Z", 1.0);
    write_ours(t.path(), "old-2", "2026-04-21T10:00:00Z", "2026-04-21T10:01:00Z", 1.0);
    let store = MetricsStore::new(3);
    let s = start("live", ts("2026-04-23T10:00:00Z"));
    store.record_call_start(&s);
    store.record_call_end(&s, &end(ts("2026-04-23T10:05:00Z"), 300_000, 0.0, None));
    assert_eq!(store.hydrate(t.path()), 2);
    let ids: Vec<_> = store.get_calls(10, 0).into_iter().map(|c| c.call_id).collect();
    assert_eq!(ids, ["live", "old-2", "old-1"]);
    // A live call id is never replaced by its disk copy.
    write_ours(t.path(), "live", "2026-04-23T10:00:00Z", "2026-04-23T10:05:00Z", 1.0);
    assert_eq!(store.hydrate(t.path()), 0);
    assert_eq!(store.get_call("live").unwrap().summary.source, patter_core::store::RecordSource::Live);
}

#[test]
fn missing_or_odd_roots_are_harmless() {
    let t = TempDir::new("hyd-odd");
    let store = MetricsStore::new(5);
    assert_eq!(store.hydrate(t.path().join("does-not-exist")), 0);
    fs::write(t.path().join("calls"), b"file, not dir").unwrap();
    assert_eq!(store.hydrate(t.path()), 0);
}

/// One day holding many calls (the reference SDK's layout): every record read and dropped
/// because the ring is full is reported.
#[test]
fn one_big_day_reports_every_call_it_did_not_keep() {
    let t = TempDir::new("hyd-bigday");
    let root = t.path();
    for c in 0..2000 {
        let id = format!("big-{c:04}");
        let dir = call_dir(root, "2026/04/23", &id);
        let (m, s) = (c / 60, c % 60);
        let meta = serde_json::json!({"call_id": id, "started_at": format!("2026-04-23T{:02}:{m:02}:{s:02}.000Z", 10 + m / 60),
            "status": "completed"});
        fs::write(dir.join("metadata.json"), meta.to_string()).unwrap();
    }
    let store = MetricsStore::new(500);
    let rep = store.hydrate_report(root);
    assert_eq!(rep.loaded, 500, "{rep:?}");
    assert_eq!(rep.not_retained, 1500, "{rep:?}");
    assert_eq!(rep.loaded + rep.not_retained + rep.already_present + rep.corrupt, 2000);
}

/// Sets the modification time of `path` (a file or a directory) to `ns` after the epoch.
fn set_mtime(path: &Path, ns: u64) {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns);
    fs::File::open(path).unwrap().set_modified(t).unwrap();
}

/// How a test day's metadata.json files got to disk.
#[derive(Clone, Copy, PartialEq)]
enum Writer {
    /// Replaced by a rename into the call directory, as ours and the reference SDK do: the
    /// directory's mtime is the file's.
    Renames,
    /// Rewritten in place: the directory keeps the mtime of its creation, long before.
    InPlace,
}

/// One day of `n` calls written the way every writer does (the file's mtime at or after the
/// end time written in it, here up to 5 s after, in shuffled order so mtime order and end
/// order differ): hydrate keeps exactly the newest `cap` calls by end time and opens far
/// fewer files than the day holds.
fn big_day_with_real_mtimes(root: &Path, n: u64) {
    big_day_written_by(root, n, Writer::Renames)
}

fn big_day_written_by(root: &Path, n: u64, writer: Writer) {
    let base = ts("2026-04-23T08:00:00Z").0;
    for c in 0..n {
        let id = format!("mt-{c:05}");
        let dir = call_dir(root, "2026/04/23", &id);
        // Calls 10 s apart, 10–70 s long: neighbours overlap, so end order != start order.
        let started = base + c * 10_000_000_000;
        let ended = started + (10 + (c * 7919) % 60) * 1_000_000_000;
        let meta = serde_json::json!({"call_id": id, "status": "completed",
            "started_at": patter_core::clock::Timestamp(started).to_iso8601(),
            "ended_at": patter_core::clock::Timestamp(ended).to_iso8601()});
        let path = dir.join("metadata.json");
        fs::write(&path, meta.to_string()).unwrap();
        let lag = (c * 104_729) % 5_000_000_000;
        set_mtime(&path, ended + lag);
        set_mtime(&dir, if writer == Writer::Renames { ended + lag } else { base - 3_600_000_000_000 });
    }
}

/// The exact newest `cap` call ids of [`big_day_written_by`]'s day, by end time.
fn newest_of_big_day(n: u64, cap: usize) -> Vec<String> {
    let mut all: Vec<(u64, String)> = (0..n)
        .map(|c| {
            let started = ts("2026-04-23T08:00:00Z").0 + c * 10_000_000_000;
            (started + (10 + (c * 7919) % 60) * 1_000_000_000, format!("mt-{c:05}"))
        })
        .collect();
    all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    all.into_iter().take(cap).map(|e| e.1).collect()
}

#[test]
fn one_big_day_reads_only_what_can_be_kept() {
    let t = TempDir::new("hyd-mtime");
    let root = t.path();
    let n = 3000u64;
    big_day_with_real_mtimes(root, n);
    let cap = 200usize;
    let store = MetricsStore::new(cap);
    let rep = store.hydrate_report(root);
    assert_eq!(rep.loaded, cap, "{rep:?}");
    assert!(rep.not_read > 2500, "most of the day is never opened: {rep:?}");
    assert_eq!(rep.loaded + rep.not_retained + rep.not_read, n as usize, "{rep:?}");

    // Exactly the newest `cap` by end time, as a full read would keep.
    let got: Vec<String> = store.get_calls(cap, 0).into_iter().map(|c| c.call_id).collect();
    assert_eq!(got, newest_of_big_day(n, cap));
}

/// A writer that rewrites metadata.json in place leaves directory mtimes that bound nothing:
/// hydrate notices (a file newer than its directory) and orders that day by file times, still
/// keeping exactly the newest calls and still leaving most files unread.
#[test]
fn a_day_rewritten_in_place_is_ordered_by_file_times() {
    let t = TempDir::new("hyd-in-place");
    let root = t.path();
    let n = 3000u64;
    big_day_written_by(root, n, Writer::InPlace);
    let cap = 200usize;
    let store = MetricsStore::new(cap);
    let rep = store.hydrate_report(root);
    assert_eq!(rep.loaded, cap, "{rep:?}");
    assert!(rep.not_read > 2500, "{rep:?}");
    assert_eq!(rep.loaded + rep.not_retained + rep.not_read, n as usize, "{rep:?}");
    let got: Vec<String> = store.get_calls(cap, 0).into_iter().map(|c| c.call_id).collect();
    assert_eq!(got, newest_of_big_day(n, cap));
}

/// Candidates are ordered by their directory's mtime without looking under it: an old call
/// directory holding something that is not a file where metadata.json should be is never
/// looked into once the ring is full, and is counted when there is room for it.
#[cfg(unix)]
#[test]
fn old_call_directories_are_not_looked_into() {
    let t = TempDir::new("hyd-dir-bound");
    let root = t.path();
    big_day_with_real_mtimes(root, 50);
    let old = call_dir(root, "2026/04/23", "zz-ancient");
    let fifo = std::ffi::CString::new(old.join("metadata.json").into_os_string().into_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    set_mtime(&old, 1_000_000_000_000_000);
    let rep = MetricsStore::new(10).hydrate_report(root);
    assert_eq!((rep.loaded, rep.wrong_type), (10, 0), "{rep:?}");
    assert!(rep.not_read >= 1, "{rep:?}");
    let rep = MetricsStore::new(100).hydrate_report(root);
    assert_eq!((rep.loaded, rep.wrong_type, rep.not_read), (50, 1, 0), "{rep:?}");
}

/// A metadata.json whose mtime is newer than its neighbours' is read first; one far older
/// than the ring's newest calls is never opened, even when it is garbage.
#[test]
fn the_mtime_bound_skips_old_files_unopened() {
    let t = TempDir::new("hyd-mtime-skip");
    let root = t.path();
    big_day_with_real_mtimes(root, 50);
    let dir = call_dir(root, "2026/04/23", "zz-ancient");
    fs::write(dir.join("metadata.json"), b"garbage").unwrap();
    set_mtime(&dir.join("metadata.json"), 1_000_000_000_000_000);
    set_mtime(&dir, 1_000_000_000_000_000);
    let rep = MetricsStore::new(10).hydrate_report(root);
    assert_eq!((rep.loaded, rep.corrupt), (10, 0), "{rep:?}");
    assert!(rep.not_read >= 1, "{rep:?}");
    // With room for everything, the same file is read (and found corrupt).
    let rep = MetricsStore::new(100).hydrate_report(root);
    assert_eq!((rep.loaded, rep.corrupt, rep.not_read), (50, 1, 0), "{rep:?}");
}
