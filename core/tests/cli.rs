//! The `patter` command line over a real call log: simulated calls written by the default
//! logger (`PATTER_LOG_DIR`), then listed, shown as a turn waterfall and totalled — through
//! `cli::run` and through the built binary.

#[path = "../examples/common/sim.rs"]
#[allow(dead_code)]
mod sim;

use patter_core::calllog::CallLogger;
use patter_core::cli;
use std::process::Command;
use std::time::Duration;

fn run(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli::run(&args, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn calls_show_and_cost_over_a_real_log() {
    let root = std::env::temp_dir().join(format!("patter-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    // The only test in this binary: the default logger reads the variable once, here.
    std::env::set_var("PATTER_LOG_DIR", &root);
    let mut s = sim::Sim { time_scale: 0.05, max_op: Duration::ZERO };
    for i in 0..3 {
        s.run_call(&format!("CA-cli-{i}"));
    }
    assert!(CallLogger::from_env().flush_timeout(Duration::from_secs(20)));
    let dir = root.to_str().unwrap();

    let (code, out, err) = run(&["calls", "--dir", dir]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("STARTED (UTC)"), "{out}");
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[1].ends_with("CA-cli-2") && lines[3].ends_with("CA-cli-0"), "newest first: {out}");
    assert!(lines[1].contains("completed") && lines[1].contains(" in "), "{out}");

    let (code, out, _) = run(&["calls", "--dir", dir, "--limit", "1", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["call_id"], "CA-cli-2");

    let (code, out, err) = run(&["show", "CA-cli-1", "--dir", dir]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "call        CA-cli-1",
        "cost USD",
        "turns (time to first byte and the stages",
        "turn 1: ttfb",
        "ttfb (heard)",
        "llm ttft",
        "█",
        "transcript",
        "[1] user",
        "(barge-in)",
        "events",
        "barge_in",
    ] {
        assert!(out.contains(want), "show lacks {want:?}:\n{out}");
    }
    assert!(out.contains(sim::USER_TURNS[0]), "the transcript is shown as stored");

    let (code, out, _) = run(&["cost", "--dir", dir, "--since", "1d"]);
    assert_eq!(code, 0);
    let total_line = out.lines().last().unwrap();
    assert!(total_line.starts_with("total") && total_line.trim_end().ends_with(" 3"), "{out}");
    let (code, json, _) = run(&["cost", "--dir", dir, "--by", "provider", "--json"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(rows.as_array().unwrap().iter().any(|r| r["key"] == "openai (llm)" && r["calls"] == 3), "{json}");
    let by_category: f64 = serde_json::from_str::<serde_json::Value>(&run(&["cost", "--dir", dir, "--json"]).1)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cost"].as_f64().unwrap())
        .sum();
    let by_day: f64 =
        serde_json::from_str::<serde_json::Value>(&run(&["cost", "--dir", dir, "--by", "day", "--json"]).1)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cost"].as_f64().unwrap())
            .sum();
    assert!((by_category - by_day).abs() < 1e-5, "{by_category} vs {by_day}");

    // Failures: an unknown call, a missing root.
    let (code, _, err) = run(&["show", "CA-nope", "--dir", dir]);
    assert_eq!(code, 1);
    assert!(err.contains("no call \"CA-nope\""), "{err}");
    let (code, _, err) = run(&["calls", "--dir", "/nonexistent/patter"]);
    assert_eq!(code, 1);
    assert!(err.contains("not a directory"), "{err}");

    // The binary is the same program.
    let bin = Command::new(env!("CARGO_BIN_EXE_patter")).args(["show", "CA-cli-0", "--dir", dir]).output().unwrap();
    assert!(bin.status.success());
    assert!(String::from_utf8_lossy(&bin.stdout).contains("call        CA-cli-0"));
    let bad = Command::new(env!("CARGO_BIN_EXE_patter")).arg("frobnicate").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&root);
}
