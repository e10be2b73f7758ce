//! A simulated voice-agent call used by the demo and the end-to-end tests: turns with STT,
//! endpointing, LLM rounds (one with a tool round), TTS sentences and one barge-in.

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::records::{AgentInfo, Direction};
use std::time::{Duration, Instant};

/// What the simulated caller says, turn by turn (texts are PII: they must only reach disk).
pub const USER_TURNS: &[&str] = &[
    "Hi, I'd like to check the balance on account 4111-2222.",
    "Great, and can you move my appointment to Friday?",
    "Actually wait, never mind that.",
];

/// Agent sentences per turn.
pub const AGENT_TURNS: &[&[&str]] = &[
    &["Sure, let me look that up.", "Your balance is $1,234.56."],
    &["I can do that.", "Friday at 3 pm is free, shall I book it?"],
    &["No problem.", "Anything else I can help with?"],
];

/// Options of a simulated call.
pub struct Sim {
    /// Scale of the simulated delays (0 = no sleeping).
    pub time_scale: f64,
    /// Measure the slowest single Call operation.
    pub max_op: Duration,
}

impl Sim {
    fn pause(&self, ms: u64) {
        if self.time_scale > 0.0 {
            std::thread::sleep(Duration::from_micros((ms as f64 * 1000.0 * self.time_scale) as u64));
        }
    }

    fn timed<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.max_op = self.max_op.max(t.elapsed());
        r
    }

    /// Runs one call with `id`; returns it ended.
    pub fn run_call(&mut self, id: &str) -> Call {
        let mut opts = CallOptions::new(id, Direction::Inbound, "pipeline");
        opts.caller = Some("+15555550123".into());
        opts.callee = Some("+15555550100".into());
        opts.telephony_provider = Some("twilio".into());
        opts.agent = AgentInfo {
            provider: Some("pipeline".into()),
            model: Some("gpt-4o-mini".into()),
            voice: Some("rachel".into()),
            language: Some("en-US".into()),
            stt_provider: Some("deepgram".into()),
            tts_provider: Some("elevenlabs".into()),
            llm_provider: Some("openai".into()),
        };
        let call = self.timed(|| Call::start(opts).expect("valid options"));
        for (i, user) in USER_TURNS.iter().enumerate() {
            self.timed(|| call.start_turn().expect("live call"));
            let mut stt = self.timed(|| call.stt("deepgram", Some("nova-3")).expect("live call"));
            self.pause(250);
            self.timed(|| stt.transcript(user, Some(0.94), 2.0 + i as f64).expect("stt span"));
            self.timed(|| stt.end());
            let mut ep = self.timed(|| call.endpoint().expect("live call"));
            self.pause(120);
            self.timed(|| ep.silence_ms(120.0).expect("endpoint span"));
            self.timed(|| ep.end());
            let mut llm = self.timed(|| call.llm("openai", Some("gpt-4o-mini"), 2 + 2 * i as u64).expect("live call"));
            self.pause(180);
            self.timed(|| llm.first_token().expect("llm span"));
            self.pause(60);
            self.timed(|| llm.usage(310 + 40 * i as u64, 28, 0).expect("llm span"));
            self.timed(|| llm.end());
            if i == 0 {
                let mut tool = self.timed(|| {
                    call.tool("lookup_balance", "handler", "{\"account\":\"4111-2222\"}").expect("live call")
                });
                self.pause(90);
                self.timed(|| tool.tool_result("{\"balance\":1234.56}").expect("tool span"));
                self.timed(|| tool.end());
                let mut llm2 = self.timed(|| call.llm("openai", Some("gpt-4o-mini"), 4).expect("live call"));
                self.pause(150);
                self.timed(|| llm2.first_token().expect("llm span"));
                self.timed(|| llm2.usage(380, 22, 256).expect("llm span"));
                self.timed(|| llm2.end());
            }
            for (k, sentence) in AGENT_TURNS[i].iter().enumerate() {
                let mut tts =
                    self.timed(|| call.tts("elevenlabs", sentence, Some("eleven_flash_v2_5")).expect("live call"));
                self.pause(90);
                self.timed(|| tts.first_byte().expect("tts span"));
                if i == 1 && k == 1 {
                    // The caller talks over the agent's second sentence.
                    self.pause(400);
                    let mut b = self.timed(|| call.bargein("shall I book it?").expect("live call"));
                    self.pause(40);
                    self.timed(|| tts.end());
                    self.timed(|| b.end());
                    break;
                }
                self.pause(700);
                self.timed(|| tts.end());
            }
            self.timed(|| call.end_turn().expect("live call"));
            self.pause(400);
        }
        self.timed(|| call.end(CallOutcome::Completed).expect("first end"));
        call
    }
}
