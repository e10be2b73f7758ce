//! What a host passes to start a call.

use crate::calllog::CallLogger;
use crate::clock::{Clock, IdSource};
use crate::pricing::PricingTable;
use crate::records::{AgentInfo, Direction};
use crate::store::MetricsStore;
use crate::tracing::traceparent::HostContext;
use std::sync::Arc;

/// Options of [`Call::start`](super::Call::start). Only `call_id`, `direction` and
/// `provider_mode` are required; everything else has a default.
#[derive(Clone)]
pub struct CallOptions {
    /// The host's call id (any non-empty string up to 16 KiB; kept verbatim).
    pub call_id: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// `pipeline`, `openai_realtime`, `elevenlabs_convai`, …
    pub provider_mode: String,
    /// Routing tag for cost/latency spans; default: the process default side (`uut`).
    pub side: Option<String>,
    /// Caller number (redacted on disk per `PATTER_LOG_REDACT_PHONE`, never on a span).
    pub caller: Option<String>,
    /// Callee number (same treatment as `caller`).
    pub callee: Option<String>,
    /// Carrier (`twilio`, `telnyx`, …): priced per minute at call end.
    pub telephony_provider: Option<String>,
    /// Realtime provider (`openai_realtime`, …): the call's duration is billed as realtime
    /// minutes at call end.
    pub realtime_provider: Option<String>,
    /// Realtime model (`gpt-realtime`, …); needs `realtime_provider` (else `InvalidArgument`).
    pub realtime_model: Option<String>,
    /// Agent snapshot for metadata.json.
    pub agent: AgentInfo,
    /// Where the call record goes; default: the process logger from `PATTER_LOG_DIR`.
    pub logger: Option<CallLogger>,
    /// A MetricsStore to keep the call in.
    pub store: Option<Arc<MetricsStore>>,
    /// Rates; default: the built-in table.
    pub pricing: Option<Arc<PricingTable>>,
    /// Clock; default: the system clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// Span id source; default: random.
    pub ids: Option<Arc<dyn IdSource>>,
    /// W3C `traceparent` of the host's span: the call span becomes its child (same trace, the
    /// remote flag set); a parent that is not sampled means no span of the call is exported
    /// (costs, records and the store are unaffected). Rules: [`crate::tracing::traceparent`].
    pub traceparent: Option<String>,
    /// W3C `tracestate` to carry on the call's spans (needs `traceparent`).
    pub tracestate: Option<String>,
    /// The host's current OpenTelemetry span context, read by a binding; used when no
    /// `traceparent` is given (and ignored when it is not valid).
    pub host_context: Option<HostContext>,
}

impl CallOptions {
    /// Options with the three required values and defaults for the rest.
    pub fn new(call_id: impl Into<String>, direction: Direction, provider_mode: impl Into<String>) -> Self {
        CallOptions {
            call_id: call_id.into(),
            direction,
            provider_mode: provider_mode.into(),
            side: None,
            caller: None,
            callee: None,
            telephony_provider: None,
            realtime_provider: None,
            realtime_model: None,
            agent: AgentInfo::default(),
            logger: None,
            store: None,
            pricing: None,
            clock: None,
            ids: None,
            traceparent: None,
            tracestate: None,
            host_context: None,
        }
    }
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("call_id", &self.call_id)
            .field("direction", &self.direction)
            .field("provider_mode", &self.provider_mode)
            .field("side", &self.side)
            .field("telephony_provider", &self.telephony_provider)
            .field("traceparent", &self.traceparent)
            .finish_non_exhaustive()
    }
}
