//! Renders spans as an OTLP `ExportTraceServiceRequest`: protobuf bytes and canonical OTLP-JSON.
//!
//! Used by the file sink, callback exporters and the conformance runners. Resource attributes
//! are emitted in a fixed order (`service.name` first, then sorted by key) so the same spans
//! always encode to the same bytes.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::transform::common::tonic::{Attributes, ResourceAttributesWithSchema};
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::trace::SpanData;
use prost::Message;

/// The resource every exported batch carries: `service.name` plus the configured attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanResource {
    /// `service.name`.
    pub service_name: String,
    /// Other attributes, sorted by key.
    pub attributes: Vec<(String, String)>,
}

impl Default for SpanResource {
    fn default() -> Self {
        SpanResource { service_name: crate::config::DEFAULT_SERVICE_NAME.to_string(), attributes: Vec::new() }
    }
}

impl SpanResource {
    fn to_proto(&self) -> ResourceAttributesWithSchema {
        let kv = |k: &str, v: &str| KeyValue {
            key: k.to_string(),
            key_strindex: 0,
            value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.to_string())) }),
        };
        let mut attrs = vec![kv("service.name", &self.service_name)];
        attrs.extend(self.attributes.iter().map(|(k, v)| kv(k, v)));
        ResourceAttributesWithSchema { attributes: Attributes(attrs), schema_url: None }
    }
}

/// Builds the OTLP request for `spans` under `resource`.
pub fn to_request(spans: Vec<SpanData>, resource: &SpanResource) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest { resource_spans: group_spans_by_resource_and_scope(spans, &resource.to_proto()) }
}

/// Protobuf bytes of the OTLP request, exactly what goes over OTLP/HTTP.
pub fn to_protobuf(spans: Vec<SpanData>, resource: &SpanResource) -> Vec<u8> {
    to_request(spans, resource).encode_to_vec()
}

/// Canonical OTLP-JSON (the OTLP/HTTP JSON mapping: camelCase, hex ids), one line, no trailing newline.
pub fn to_json(spans: Vec<SpanData>, resource: &SpanResource) -> String {
    serde_json::to_string(&to_request(spans, resource)).unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
}
