//! The metric catalogue (names, units, kinds, attribute keys, bucket boundaries) and the names
//! of the log records. `docs/metrics.md` documents every entry; a test checks it does.

/// What kind of instrument a metric is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Monotonic sum of recorded values.
    Counter,
    /// Sum that goes up and down (always exported cumulative).
    UpDownCounter,
    /// Explicit-bucket histogram.
    Histogram,
    /// Monotonic sum observed from a counter at export time.
    ObservableCounter,
}

impl Kind {
    /// The word used in the docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::UpDownCounter => "updowncounter",
            Kind::Histogram => "histogram",
            Kind::ObservableCounter => "observable counter",
        }
    }
}

/// One metric of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricInfo {
    /// The OTLP metric name.
    pub name: &'static str,
    /// UCUM unit (annotations in braces).
    pub unit: &'static str,
    /// One-line description (exported with the metric).
    pub description: &'static str,
    /// Instrument kind.
    pub kind: Kind,
    /// Attribute keys, in the order values are given and exported.
    pub attributes: &'static [&'static str],
    /// Explicit bucket boundaries of a histogram (empty otherwise).
    pub bounds: &'static [f64],
}

/// `gen_ai.operation.name` (`chat`).
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name`.
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// `gen_ai.request.model`.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.token.type`: `input` / `output`.
pub const GEN_AI_TOKEN_TYPE: &str = "gen_ai.token.type";
/// `patter.cost.category`: telephony, stt, tts, llm, realtime.
pub const COST_CATEGORY: &str = "patter.cost.category";
/// The priced provider (carrier, STT/TTS/LLM/realtime vendor).
pub const PROVIDER: &str = "patter.provider";
/// The priced model (absent when the usage named none).
pub const MODEL: &str = "patter.model";
/// `inbound` / `outbound`.
pub const CALL_DIRECTION: &str = "patter.call.direction";
/// `pipeline`, `openai_realtime`, …
pub const CALL_PROVIDER_MODE: &str = "patter.call.provider_mode";
/// How a call ended: `completed`, `failed`, `abandoned`.
pub const CALL_OUTCOME: &str = "patter.call.outcome";
/// Which pipeline a health counter is about: `spans`, `call_records`, `log_records`.
pub const PIPELINE: &str = "patter.pipeline";
/// Where an item ended: `exported`, `dropped`, `failed`, `discarded` (`written` for call records).
pub const PIPELINE_OUTCOME: &str = "patter.pipeline.outcome";
/// The kind of span sink: `otlp`, `console`, `file`, `callback`.
pub const PIPELINE_SINK: &str = "patter.pipeline.sink";
/// Set on the one series that absorbs attribute sets beyond the cardinality limit.
pub const OVERFLOW: &str = "otel.metric.overflow";

/// Bucket boundaries for voice latencies, in ms: 50 ms … 10 s.
pub const LATENCY_BUCKETS_MS: &[f64] =
    &[50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 500.0, 750.0, 1000.0, 1500.0, 2000.0, 3000.0, 5000.0, 7500.0, 10000.0];
/// `gen_ai.client.token.usage` boundaries (OpenTelemetry GenAI semantic conventions).
pub const TOKEN_BUCKETS: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0,
    67108864.0,
];
/// `gen_ai.client.operation.duration` boundaries in s (OpenTelemetry GenAI semantic conventions).
pub const DURATION_BUCKETS_S: &[f64] =
    &[0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

const GEN_AI: &[&str] = &[GEN_AI_OPERATION_NAME, GEN_AI_PROVIDER_NAME, GEN_AI_REQUEST_MODEL];

/// Index of each metric in [`METRICS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Metric {
    /// `gen_ai.client.token.usage`
    TokenUsage,
    /// `gen_ai.client.operation.duration`
    OperationDuration,
    /// `patter.call.cost`
    CallCost,
    /// `patter.latency.ttfb`
    LatencyTtfb,
    /// `patter.latency.turn`
    LatencyTurn,
    /// `patter.llm.ttft`
    LlmTtft,
    /// `patter.calls`
    Calls,
    /// `patter.calls.active`
    CallsActive,
    /// `patter.pipeline.items`
    PipelineItems,
    /// `patter.pipeline.sink.spans`
    PipelineSinkSpans,
}

/// The catalogue, in [`Metric`] order.
pub const METRICS: &[MetricInfo] = &[
    MetricInfo {
        name: "gen_ai.client.token.usage",
        unit: "{token}",
        description: "Tokens used per LLM request, by token type (input includes cached input).",
        kind: Kind::Histogram,
        attributes: &[GEN_AI_OPERATION_NAME, GEN_AI_PROVIDER_NAME, GEN_AI_REQUEST_MODEL, GEN_AI_TOKEN_TYPE],
        bounds: TOKEN_BUCKETS,
    },
    MetricInfo {
        name: "gen_ai.client.operation.duration",
        unit: "s",
        description: "Duration of each LLM request (one per LLM iteration, tool rounds included).",
        kind: Kind::Histogram,
        attributes: GEN_AI,
        bounds: DURATION_BUCKETS_S,
    },
    MetricInfo {
        name: "patter.call.cost",
        unit: "USD",
        description: "Cost of ended calls, by category, provider and model.",
        kind: Kind::Counter,
        attributes: &[COST_CATEGORY, PROVIDER, MODEL],
        bounds: &[],
    },
    MetricInfo {
        name: "patter.latency.ttfb",
        unit: "ms",
        description: "Per turn: end of user speech to the agent's first audio byte.",
        kind: Kind::Histogram,
        attributes: &[CALL_DIRECTION, CALL_PROVIDER_MODE],
        bounds: LATENCY_BUCKETS_MS,
    },
    MetricInfo {
        name: "patter.latency.turn",
        unit: "ms",
        description: "Duration of each conversational turn.",
        kind: Kind::Histogram,
        attributes: &[CALL_DIRECTION, CALL_PROVIDER_MODE],
        bounds: LATENCY_BUCKETS_MS,
    },
    MetricInfo {
        name: "patter.llm.ttft",
        unit: "ms",
        description: "Time to the first token of each LLM request.",
        kind: Kind::Histogram,
        attributes: &[GEN_AI_PROVIDER_NAME, GEN_AI_REQUEST_MODEL],
        bounds: LATENCY_BUCKETS_MS,
    },
    MetricInfo {
        name: "patter.calls",
        unit: "{call}",
        description: "Ended calls, by direction, provider mode and outcome.",
        kind: Kind::Counter,
        attributes: &[CALL_DIRECTION, CALL_PROVIDER_MODE, CALL_OUTCOME],
        bounds: &[],
    },
    MetricInfo {
        name: "patter.calls.active",
        unit: "{call}",
        description: "Calls started and not yet ended.",
        kind: Kind::UpDownCounter,
        attributes: &[CALL_DIRECTION, CALL_PROVIDER_MODE],
        bounds: &[],
    },
    MetricInfo {
        name: "patter.pipeline.items",
        unit: "{item}",
        description: "Where the items of libpatter's own pipelines ended (spans, call records, log records).",
        kind: Kind::ObservableCounter,
        attributes: &[PIPELINE, PIPELINE_OUTCOME],
        bounds: &[],
    },
    MetricInfo {
        name: "patter.pipeline.sink.spans",
        unit: "{span}",
        description: "Spans each kind of span sink delivered or failed to deliver.",
        kind: Kind::ObservableCounter,
        attributes: &[PIPELINE_SINK, PIPELINE_OUTCOME],
        bounds: &[],
    },
];

/// Instrumentation scope of the metrics and log records (the spans' scope).
pub const SCOPE_NAME: &str = crate::tracing::names::SCOPE_NAME;

/// Log record: one transcript line (a user or assistant turn).
pub const EVENT_TRANSCRIPT: &str = "patter.transcript";
/// Log record: the call started.
pub const EVENT_CALL_START: &str = "patter.call.start";
/// Log record: the call ended (status, duration, cost; numbers redacted as on disk).
pub const EVENT_CALL_END: &str = "patter.call.end";
/// Log record name prefix of an events.jsonl event: `patter.event.<type>` (`tool_call`, …).
pub const EVENT_PREFIX: &str = "patter.event.";
/// Log attribute: the call id (OpenTelemetry GenAI conversation id).
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_in_enum_order_and_well_formed() {
        assert_eq!(METRICS.len(), Metric::PipelineSinkSpans as usize + 1);
        assert_eq!(METRICS[Metric::CallsActive as usize].name, "patter.calls.active");
        for m in METRICS {
            assert_eq!(m.kind == Kind::Histogram, !m.bounds.is_empty(), "{}", m.name);
            assert!(m.bounds.windows(2).all(|w| w[0] < w[1]), "{}", m.name);
            assert!(!m.attributes.iter().any(|a| a.contains("call_id") || a.contains(".id")), "{}", m.name);
        }
        assert_eq!((LATENCY_BUCKETS_MS[0], *LATENCY_BUCKETS_MS.last().unwrap()), (50.0, 10_000.0));
    }
}
