//! Test helper (not part of the library API): a child process that writes call records, used
//! by the crash-safety (SIGKILL) and disk-full (RLIMIT_FSIZE) integration tests.
//!
//! `patter_calllog_child crash <root> <seed>`: writes calls forever (the parent kills it).
//! `patter_calllog_child fsize <root>`: lowers RLIMIT_FSIZE, writes until the limit bites,
//! prints the stats, raises the limit, writes one more call and prints the stats again.
//! `patter_calllog_child exit <root>`: enqueues a call into a never-dropped (static) logger and
//! calls `std::process::exit` without flushing: the atexit hook must write it all.

use patter_core::calllog::CallLogger;
use patter_core::clock::Timestamp;
use patter_core::config::LogConfig;
use patter_core::records::{
    AgentInfo, CallEnd, CallStart, CallStatus, CostBreakdown, Direction, EventLine, Role, TranscriptLine, Usage,
};

fn start(id: &str, t: Timestamp) -> CallStart {
    CallStart {
        call_id: id.to_string(),
        direction: Direction::Inbound,
        provider_mode: "pipeline".into(),
        side: "uut".into(),
        caller: Some("+15555550100".into()),
        callee: Some("+15555550199".into()),
        telephony_provider: Some("twilio".into()),
        agent: AgentInfo::default(),
        started_at: t,
        trace_id: None,
    }
}

fn line(i: u32, text: String, t: Timestamp) -> TranscriptLine {
    TranscriptLine {
        turn_index: i,
        role: if i % 2 == 0 { Role::User } else { Role::Assistant },
        text,
        ts: t,
        interrupted: false,
        latency: None,
        usage: Some(Usage::default()),
        cost: None,
    }
}

fn end(t: Timestamp, turns: u32) -> CallEnd {
    CallEnd {
        ended_at: t,
        duration_ms: 1000,
        status: CallStatus::Completed,
        turns,
        cost: CostBreakdown::default(),
        usage: Usage::default(),
        latency: None,
        error: None,
        unpriced: vec![],
    }
}

fn event(t: Timestamp, n: u32) -> EventLine {
    let mut data = serde_json::Map::new();
    data.insert("n".into(), n.into());
    data.insert("payload".into(), "é".repeat(300).into());
    EventLine { kind: "tool_call".into(), ts: t, data }
}

fn write_call(logger: &CallLogger, id: &str, t: Timestamp, lines: u32, text_len: usize) {
    let h = logger.start_call(&start(id, t));
    for i in 0..lines {
        h.transcript(&line(i, format!("{i}:{}", "x".repeat(text_len)), t));
        if i % 4 == 0 {
            h.event(&event(t, i));
        }
    }
    h.end(&end(t, lines));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(root)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: patter_calllog_child crash|fsize <root> [seed]");
        std::process::exit(2);
    };
    let t0 = Timestamp::parse_iso8601("2026-04-23T18:00:00Z").unwrap_or_default();
    match mode.as_str() {
        "crash" => {
            let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
            let logger =
                CallLogger::with_config(LogConfig { sweep_probability: 0.0, ..LogConfig::at(root) }).expect("logger");
            // Several caller threads, varied line sizes (some larger than a page).
            let threads: Vec<_> = (0..4)
                .map(|th| {
                    let logger = logger.clone();
                    std::thread::spawn(move || {
                        for n in 0u64.. {
                            let id = format!("s{seed}-t{th}-c{n}");
                            let t = Timestamp(t0.0 + n * 60_000_000_000);
                            let len = [10, 500, 5000, 20_000][(n % 4) as usize];
                            write_call(&logger, &id, t, 6, len);
                            // Pace like a real host (calls take time): never outrun the writer.
                            logger.flush();
                        }
                    })
                })
                .collect();
            for t in threads {
                let _ = t.join();
            }
        }
        "fsize" => {
            #[cfg(unix)]
            unsafe {
                // Ignore SIGXFSZ so an oversize write fails with EFBIG instead of killing us.
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit { rlim_cur: 64 * 1024, rlim_max: libc::RLIM_INFINITY };
                libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
            }
            let logger =
                CallLogger::with_config(LogConfig { sweep_probability: 0.0, ..LogConfig::at(root) }).expect("logger");
            // ~40 lines of ~3 KB into one transcript: crosses the 64 KiB limit mid-line.
            write_call(&logger, "full-disk", t0, 40, 3000);
            logger.flush();
            println!("{}", serde_json::to_string(&logger.stats()).unwrap_or_default());
            #[cfg(unix)]
            unsafe {
                let lim = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
                libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
            }
            write_call(&logger, "after-recovery", t0, 5, 3000);
            logger.flush();
            println!("{}", serde_json::to_string(&logger.stats()).unwrap_or_default());
        }
        "exit" => {
            static LOGGER: std::sync::OnceLock<CallLogger> = std::sync::OnceLock::new();
            let logger = LOGGER.get_or_init(|| {
                CallLogger::with_config(LogConfig { sweep_probability: 0.0, ..LogConfig::at(root) }).expect("logger")
            });
            write_call(logger, "exit-call", t0, 3000, 100);
            std::process::exit(0);
        }
        _ => std::process::exit(2),
    }
}
