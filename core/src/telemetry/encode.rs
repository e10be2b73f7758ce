//! Direct OTLP encoders for `ExportMetricsServiceRequest` and `ExportLogsServiceRequest`, byte
//! for byte what `prost` writes for the same `opentelemetry-proto` structures (the tests build
//! those structures and compare). One resource (the spans' `service.name` and attributes), one
//! scope (`getpatter`).

use super::logs::{LogRecord, LogValue};
use super::metrics::{MetricData, Value};
use super::names::SCOPE_NAME;
use super::pb;
use crate::tracing::encode::SpanResource;

fn any_string(out: &mut Vec<u8>, s: &str) {
    pb::bytes(out, 1, s.as_bytes());
}

fn any_value(out: &mut Vec<u8>, v: &LogValue) {
    match v {
        LogValue::Str(s) => any_string(out, s),
        LogValue::Bool(b) => pb::varint_field(out, 2, *b as u64),
        LogValue::Int(i) => pb::varint_field(out, 3, *i as u64),
        LogValue::Double(d) => pb::double(out, 4, *d),
    }
}

/// A `KeyValue` with a string value as field `field`.
fn kv_str(out: &mut Vec<u8>, field: u32, k: &str, v: &str) {
    pb::message(out, field, |m| {
        pb::opt_bytes(m, 1, k.as_bytes());
        pb::message(m, 2, |a| any_string(a, v));
    });
}

fn resource(out: &mut Vec<u8>, r: &SpanResource) {
    pb::message(out, 1, |m| {
        kv_str(m, 1, "service.name", &r.service_name);
        for (k, v) in &r.attributes {
            kv_str(m, 1, k, v);
        }
    });
}

fn scope(out: &mut Vec<u8>) {
    pb::message(out, 1, |m| pb::opt_bytes(m, 1, SCOPE_NAME.as_bytes()));
}

/// Protobuf bytes of an `ExportMetricsServiceRequest` for `metrics` (appended to `out`).
pub(crate) fn metrics_request(r: &SpanResource, metrics: &[MetricData], out: &mut Vec<u8>) {
    pb::message(out, 1, |rm| {
        resource(rm, r);
        pb::message(rm, 2, |sm| {
            scope(sm);
            for m in metrics {
                pb::message(sm, 2, |mm| metric(mm, m));
            }
        });
    });
}

fn metric(out: &mut Vec<u8>, m: &MetricData) {
    pb::opt_bytes(out, 1, m.info.name.as_bytes());
    pb::opt_bytes(out, 2, m.info.description.as_bytes());
    pb::opt_bytes(out, 3, m.info.unit.as_bytes());
    let histogram = m.points.first().is_some_and(|p| matches!(p.value, Value::Hist(_)));
    let monotonic = m.info.kind != super::names::Kind::UpDownCounter;
    // data: sum (7) or histogram (9).
    pb::message(out, if histogram { 9 } else { 7 }, |d| {
        for p in &m.points {
            pb::message(d, 1, |dp| match &p.value {
                Value::Sum(v) => {
                    pb::opt_fixed64(dp, 2, p.start_ns);
                    pb::opt_fixed64(dp, 3, p.time_ns);
                    pb::double(dp, 4, *v);
                    for (k, v) in &p.attributes {
                        kv_str(dp, 7, k, v);
                    }
                }
                Value::Hist(h) => {
                    pb::opt_fixed64(dp, 2, p.start_ns);
                    pb::opt_fixed64(dp, 3, p.time_ns);
                    pb::opt_fixed64(dp, 4, h.count);
                    pb::double(dp, 5, h.sum);
                    pb::packed_fixed64(dp, 6, &h.counts);
                    pb::packed_double(dp, 7, m.info.bounds);
                    for (k, v) in &p.attributes {
                        kv_str(dp, 9, k, v);
                    }
                    if h.count > 0 {
                        pb::double(dp, 11, h.min);
                        pb::double(dp, 12, h.max);
                    }
                }
            });
        }
        pb::opt_varint(d, 2, m.temporality as u64);
        if !histogram {
            pb::opt_varint(d, 3, monotonic as u64);
        }
    });
}

/// Protobuf bytes of an `ExportLogsServiceRequest` for `records` (appended to `out`).
pub(crate) fn logs_request(r: &SpanResource, records: &[LogRecord], out: &mut Vec<u8>) {
    pb::message(out, 1, |rl| {
        resource(rl, r);
        pb::message(rl, 2, |sl| {
            scope(sl);
            for rec in records {
                pb::message(sl, 2, |m| log_record(m, rec));
            }
        });
    });
}

fn log_record(out: &mut Vec<u8>, r: &LogRecord) {
    pb::opt_fixed64(out, 1, r.time_ns);
    pb::opt_varint(out, 2, r.severity_number as u64);
    pb::opt_bytes(out, 3, r.severity_text.as_bytes());
    if let Some(body) = &r.body {
        pb::message(out, 5, |b| any_string(b, body));
    }
    for (k, v) in &r.attributes {
        pb::message(out, 6, |m| {
            pb::opt_bytes(m, 1, k.as_bytes());
            pb::message(m, 2, |a| any_value(a, v));
        });
    }
    pb::opt_fixed32(out, 8, r.flags());
    if r.trace_id != [0; 16] {
        pb::bytes(out, 9, &r.trace_id);
    }
    if r.span_id != [0; 8] {
        pb::bytes(out, 10, &r.span_id);
    }
    pb::opt_fixed64(out, 11, r.observed_ns);
    pb::opt_bytes(out, 12, r.event_name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::super::metrics::{Hist, Point, Wire};
    use super::super::names::{Metric, METRICS};
    use super::*;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
    use opentelemetry_proto::tonic::logs::v1 as pl;
    use opentelemetry_proto::tonic::metrics::v1 as pm;
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use prost::Message;

    fn res() -> SpanResource {
        SpanResource { service_name: "svc".into(), attributes: vec![("deployment.environment".into(), "prod".into())] }
    }

    fn kv(k: &str, v: any_value::Value) -> KeyValue {
        KeyValue { key: k.into(), value: Some(AnyValue { value: Some(v) }), ..Default::default() }
    }

    fn skv(k: &str, v: &str) -> KeyValue {
        kv(k, any_value::Value::StringValue(v.into()))
    }

    fn proto_resource() -> Option<Resource> {
        Some(Resource {
            attributes: vec![skv("service.name", "svc"), skv("deployment.environment", "prod")],
            ..Default::default()
        })
    }

    fn proto_scope() -> Option<InstrumentationScope> {
        Some(InstrumentationScope { name: "getpatter".into(), ..Default::default() })
    }

    fn sample_metrics() -> Vec<MetricData> {
        let attrs = |v: &[(&'static str, &str)]| v.iter().map(|(k, v)| (*k, v.to_string())).collect::<Vec<_>>();
        vec![
            MetricData {
                info: &METRICS[Metric::LatencyTtfb as usize],
                temporality: Wire::Cumulative,
                points: vec![Point {
                    attributes: attrs(&[("patter.call.direction", "inbound")]),
                    start_ns: 1_700_000_000_000_000_000,
                    time_ns: 1_700_000_060_000_000_123,
                    value: Value::Hist(Hist {
                        counts: (0..16).map(|i| i % 3).collect(),
                        count: 15,
                        sum: 1234.5,
                        min: 0.0,
                        max: 9000.25,
                    }),
                }],
            },
            MetricData {
                info: &METRICS[Metric::LlmTtft as usize],
                temporality: Wire::Delta,
                points: vec![Point {
                    attributes: vec![],
                    start_ns: 0,
                    time_ns: 5,
                    value: Value::Hist(Hist {
                        counts: vec![0; 16],
                        count: 0,
                        sum: 0.0,
                        min: f64::INFINITY,
                        max: f64::NEG_INFINITY,
                    }),
                }],
            },
            MetricData {
                info: &METRICS[Metric::CallCost as usize],
                temporality: Wire::Delta,
                points: vec![
                    Point {
                        attributes: attrs(&[("patter.cost.category", "llm"), ("patter.provider", "openai")]),
                        start_ns: 10,
                        time_ns: 20,
                        value: Value::Sum(0.000123),
                    },
                    Point { attributes: vec![], start_ns: 10, time_ns: 20, value: Value::Sum(0.0) },
                ],
            },
            MetricData {
                info: &METRICS[Metric::CallsActive as usize],
                temporality: Wire::Cumulative,
                points: vec![Point { attributes: vec![], start_ns: 1, time_ns: 2, value: Value::Sum(-1.0) }],
            },
        ]
    }

    fn to_proto(ms: &[MetricData]) -> ExportMetricsServiceRequest {
        let metrics = ms
            .iter()
            .map(|m| {
                let attrs = |p: &Point| p.attributes.iter().map(|(k, v)| skv(k, v)).collect::<Vec<_>>();
                let data = match &m.points[0].value {
                    Value::Hist(_) => pm::metric::Data::Histogram(pm::Histogram {
                        aggregation_temporality: m.temporality as i32,
                        data_points: m
                            .points
                            .iter()
                            .map(|p| {
                                let Value::Hist(h) = &p.value else { unreachable!() };
                                pm::HistogramDataPoint {
                                    attributes: attrs(p),
                                    start_time_unix_nano: p.start_ns,
                                    time_unix_nano: p.time_ns,
                                    count: h.count,
                                    sum: Some(h.sum),
                                    bucket_counts: h.counts.clone(),
                                    explicit_bounds: m.info.bounds.to_vec(),
                                    min: (h.count > 0).then_some(h.min),
                                    max: (h.count > 0).then_some(h.max),
                                    ..Default::default()
                                }
                            })
                            .collect(),
                    }),
                    Value::Sum(_) => pm::metric::Data::Sum(pm::Sum {
                        aggregation_temporality: m.temporality as i32,
                        is_monotonic: m.info.kind != crate::telemetry::names::Kind::UpDownCounter,
                        data_points: m
                            .points
                            .iter()
                            .map(|p| {
                                let Value::Sum(v) = p.value else { unreachable!() };
                                pm::NumberDataPoint {
                                    attributes: attrs(p),
                                    start_time_unix_nano: p.start_ns,
                                    time_unix_nano: p.time_ns,
                                    value: Some(pm::number_data_point::Value::AsDouble(v)),
                                    ..Default::default()
                                }
                            })
                            .collect(),
                    }),
                };
                pm::Metric {
                    name: m.info.name.into(),
                    description: m.info.description.into(),
                    unit: m.info.unit.into(),
                    data: Some(data),
                    ..Default::default()
                }
            })
            .collect();
        ExportMetricsServiceRequest {
            resource_metrics: vec![pm::ResourceMetrics {
                resource: proto_resource(),
                scope_metrics: vec![pm::ScopeMetrics { scope: proto_scope(), metrics, ..Default::default() }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn metrics_are_byte_identical_to_prost() {
        let ms = sample_metrics();
        let mut ours = Vec::new();
        metrics_request(&res(), &ms, &mut ours);
        let theirs = to_proto(&ms).encode_to_vec();
        assert_eq!(ours, theirs);
        let decoded = ExportMetricsServiceRequest::decode(ours.as_slice()).unwrap();
        assert_eq!(decoded.resource_metrics[0].scope_metrics[0].metrics.len(), 4);
    }

    fn sample_logs() -> Vec<LogRecord> {
        vec![
            LogRecord {
                time_ns: 1_700_000_000_123_000_000,
                observed_ns: 1_700_000_000_124_000_000,
                severity_number: 9,
                severity_text: "INFO",
                event_name: "patter.transcript".into(),
                body: Some("hello \"world\" é".into()),
                attributes: vec![
                    ("gen_ai.conversation.id".into(), LogValue::Str("CA-1".into())),
                    ("patter.turn.index".into(), LogValue::Int(2)),
                    ("patter.neg".into(), LogValue::Int(-3)),
                    ("patter.interrupted".into(), LogValue::Bool(false)),
                    ("patter.latency.ttfb_ms".into(), LogValue::Double(412.5)),
                    ("patter.empty".into(), LogValue::Str(String::new())),
                ],
                trace_id: [7; 16],
                span_id: [9; 8],
            },
            LogRecord {
                time_ns: 0,
                observed_ns: 5,
                severity_number: 17,
                severity_text: "ERROR",
                event_name: "patter.event.error".into(),
                body: None,
                attributes: vec![],
                trace_id: [0; 16],
                span_id: [0; 8],
            },
        ]
    }

    #[test]
    fn logs_are_byte_identical_to_prost() {
        let recs = sample_logs();
        let mut ours = Vec::new();
        logs_request(&res(), &recs, &mut ours);
        let value = |v: &LogValue| match v {
            LogValue::Str(s) => any_value::Value::StringValue(s.clone()),
            LogValue::Int(i) => any_value::Value::IntValue(*i),
            LogValue::Double(d) => any_value::Value::DoubleValue(*d),
            LogValue::Bool(b) => any_value::Value::BoolValue(*b),
        };
        let log_records = recs
            .iter()
            .map(|r| pl::LogRecord {
                time_unix_nano: r.time_ns,
                observed_time_unix_nano: r.observed_ns,
                severity_number: r.severity_number,
                severity_text: r.severity_text.into(),
                body: r.body.as_ref().map(|b| AnyValue { value: Some(any_value::Value::StringValue(b.clone())) }),
                attributes: r.attributes.iter().map(|(k, v)| kv(k, value(v))).collect(),
                flags: r.flags(),
                trace_id: if r.trace_id == [0; 16] { vec![] } else { r.trace_id.to_vec() },
                span_id: if r.span_id == [0; 8] { vec![] } else { r.span_id.to_vec() },
                event_name: r.event_name.clone(),
                ..Default::default()
            })
            .collect();
        let theirs = ExportLogsServiceRequest {
            resource_logs: vec![pl::ResourceLogs {
                resource: proto_resource(),
                scope_logs: vec![pl::ScopeLogs { scope: proto_scope(), log_records, ..Default::default() }],
                ..Default::default()
            }],
        }
        .encode_to_vec();
        assert_eq!(ours, theirs);
    }
}
