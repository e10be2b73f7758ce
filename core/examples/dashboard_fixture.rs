//! Writes a tree of simulated calls for the dashboard's browser test (and for trying the
//! dashboard): `dashboard_fixture ROOT COUNT [DAYS]`. Every call goes through the public Call API
//! and the real CallLogger (so the layout is the library's own), with a manual clock spreading
//! the calls over the last DAYS days (default 14), varied providers, directions, outcomes and
//! latencies. fsync is off so 20,000 calls take seconds. Prints the id of the newest call.

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::clock::{Clock, ManualClock, SystemClock, Timestamp};
use patter_core::config::LogConfig;
use patter_core::records::{AgentInfo, Direction};
use std::sync::Arc;
use std::time::Duration;

const USER: &[&str] = &[
    "Hi, I'd like to check the balance on my account.",
    "Can you move my appointment to Friday?",
    "What are your opening hours on Saturday?",
    "I need to update my address.",
    "Thanks, that's all.",
];
const AGENT: &[&str] = &[
    "Sure, let me look that up for you.",
    "Friday at 3 pm is free, shall I book it?",
    "We are open from nine to five on Saturdays.",
    "Of course, what is the new address?",
    "You're welcome, goodbye!",
];

/// xorshift64*: deterministic variety without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(root), Some(count)) = (args.first(), args.get(1).and_then(|c| c.parse::<u64>().ok())) else {
        eprintln!("usage: dashboard_fixture ROOT COUNT [DAYS]");
        std::process::exit(2);
    };
    let days: u64 = args.get(2).and_then(|d| d.parse().ok()).unwrap_or(14).max(1);
    let logger = CallLogger::with_config(LogConfig {
        root: Some(root.into()),
        fsync: false,
        queue_capacity: 1 << 20,
        sweep_probability: 0.0,
        retention_days: 0,
        ..LogConfig::default()
    })
    .expect("a usable root");
    let now = SystemClock::default().now().as_millis();
    let span_ms = days * 86_400_000;
    let step = (span_ms / count.max(1)).max(1);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut newest = String::new();
    for i in 0..count {
        let start_ms = now - span_ms + i * step;
        let clock = Arc::new(ManualClock::new(Timestamp::from_millis(start_ms)));
        let id = format!("CA{:06}-{:04x}", i, rng.below(0x10000));
        let dir = if i % 3 == 0 { Direction::Outbound } else { Direction::Inbound };
        let mut o = CallOptions::new(&id, dir, "pipeline");
        let pick = |r: &mut Rng, xs: &[&str]| xs[r.below(xs.len() as u64) as usize].to_string();
        let (stt, llm, tts, carrier) = (
            pick(&mut rng, &["deepgram", "deepgram", "assemblyai"]),
            pick(&mut rng, &["openai", "openai", "anthropic"]),
            pick(&mut rng, &["elevenlabs", "cartesia"]),
            pick(&mut rng, &["twilio", "twilio", "telnyx"]),
        );
        let model = if llm == "openai" { "gpt-4o-mini" } else { "claude-3-5-haiku" };
        o.caller = Some(format!("+1555555{:04}", rng.below(10_000)));
        o.callee = Some("+15555550100".into());
        o.telephony_provider = Some(carrier);
        o.agent = AgentInfo {
            provider: Some("pipeline".into()),
            model: Some(model.into()),
            voice: Some("rachel".into()),
            language: Some("en-US".into()),
            stt_provider: Some(stt.clone()),
            tts_provider: Some(tts.clone()),
            llm_provider: Some(llm.clone()),
        };
        o.logger = Some(logger.clone());
        o.clock = Some(clock.clone());
        let call = Call::start(o).expect("valid options");
        let turns = 1 + rng.below(4);
        for t in 0..turns {
            let k = ((i + t) % USER.len() as u64) as usize;
            call.start_turn().expect("live");
            let mut ep = call.endpoint().expect("live");
            let silence = 150 + rng.below(400);
            clock.advance_ms(silence);
            ep.silence_ms(silence as f64).expect("span");
            ep.end();
            let mut s = call.stt(&stt, Some("nova-3")).expect("live");
            clock.advance_ms(80 + rng.below(250));
            s.transcript(USER[k], Some(0.9), 1.5 + t as f64).expect("span");
            s.end();
            if t == 0 {
                let mut tool = call.tool("lookup_account", "handler", "{\"account\":\"4111-2222\"}").expect("live");
                clock.advance_ms(60 + rng.below(200));
                tool.tool_result("{\"balance\":1234.56}").expect("span");
                tool.end();
            }
            let mut l = call.llm(&llm, Some(model), 2 + 2 * t).expect("live");
            clock.advance_ms(200 + rng.below(600) + if rng.below(20) == 0 { 1500 } else { 0 });
            l.first_token().expect("span");
            clock.advance_ms(50 + rng.below(200));
            l.usage(300 + rng.below(500), 20 + rng.below(60), 0).expect("span");
            l.end();
            let mut s = call.tts(&tts, AGENT[k], None).expect("live");
            clock.advance_ms(90 + rng.below(250));
            s.first_byte().expect("span");
            let barge = rng.below(8) == 0;
            if barge {
                let mut b = call.bargein(AGENT[k]).expect("live");
                clock.advance_ms(40);
                b.end();
            } else {
                clock.advance_ms(1200 + rng.below(2000));
            }
            s.end();
            call.end_turn().expect("live");
            clock.advance_ms(500 + rng.below(3000));
        }
        if i % 29 == 7 {
            drop(call); // no end(): recorded as abandoned
        } else if i % 17 == 5 {
            call.end(CallOutcome::Failed("stt_connection".into())).expect("first end");
        } else {
            call.end(CallOutcome::Completed).expect("first end");
        }
        newest = id;
        if i % 2000 == 1999 {
            logger.flush();
        }
    }
    assert!(logger.flush_timeout(Duration::from_secs(120)), "the call log was flushed");
    println!("{newest}");
}
