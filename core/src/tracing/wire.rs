//! Direct OTLP encoders: an `ExportTraceServiceRequest` written straight from `SpanData` as
//! protobuf bytes or canonical OTLP-JSON, without building the intermediate `opentelemetry-proto`
//! structures (a `Vec` and `String` per field, a clone of every span) first.
//!
//! The output is byte for byte what `prost` and `serde_json` produce from those structures (tag
//! order and defaults skipped in protobuf; declaration order and defaults written in JSON), which
//! the tests check on real spans. Spans this encoder does not cover (events, links, array
//! attributes — the core emits none) go through the structures instead: [`encode_protobuf`] and
//! [`encode_json`] pick the path.

use super::encode::{self, SpanResource};
use super::json_writer::{escaped_room, JsonWriter};
use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry::{InstrumentationScope, Value};
use opentelemetry_sdk::trace::SpanData;
use std::time::{SystemTime, UNIX_EPOCH};

/// `SpanFlags::ContextHasIsRemoteMask`.
const HAS_IS_REMOTE: u32 = 0x100;
/// `SpanFlags::ContextIsRemoteMask`.
const IS_REMOTE: u32 = 0x200;

/// Whether every span can take the direct path.
fn direct(spans: &[SpanData]) -> bool {
    spans.iter().all(|s| {
        s.events.is_empty()
            && s.links.is_empty()
            && s.attributes.iter().all(|kv| !matches!(kv.value, Value::Array(_)))
            && s.instrumentation_scope.attributes().next().is_none()
    })
}

/// Protobuf bytes of the OTLP request for `spans` (appended to `out`).
pub fn encode_protobuf(spans: &[SpanData], resource: &SpanResource, out: &mut Vec<u8>) {
    if direct(spans) {
        protobuf_request(spans, resource, out);
    } else {
        out.extend_from_slice(&encode::to_protobuf(spans.to_vec(), resource));
    }
}

/// Canonical OTLP-JSON of the request for `spans` (appended to `out`, one line, no newline).
pub fn encode_json(spans: &[SpanData], resource: &SpanResource, out: &mut String) {
    // The direct path checks each span as it writes it (one pass over the spans, not two) and
    // gives up on the first one it does not cover.
    let start = out.len();
    if !json_request(spans, resource, out) {
        out.truncate(start);
        out.push_str(&encode::to_json(spans.to_vec(), resource));
    }
}

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

fn kind(k: &SpanKind) -> i32 {
    // The OTLP enum: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    match k {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

fn status_code(s: &Status) -> i32 {
    match s {
        Status::Unset => 0,
        Status::Ok => 1,
        Status::Error { .. } => 2,
    }
}

fn flags(s: &SpanData) -> u32 {
    let mut f = s.span_context.trace_flags().to_u8() as u32 | HAS_IS_REMOTE;
    if s.parent_span_is_remote {
        f |= IS_REMOTE;
    }
    f
}

/// The spans grouped by instrumentation scope, scopes in order of first appearance (as the
/// official transform groups them).
fn by_scope(spans: &[SpanData]) -> Vec<(&InstrumentationScope, Vec<&SpanData>)> {
    let mut groups: Vec<(&InstrumentationScope, Vec<&SpanData>)> = Vec::new();
    for s in spans {
        match groups.iter_mut().find(|(scope, _)| *scope == &s.instrumentation_scope) {
            Some((_, v)) => v.push(s),
            None => groups.push((&s.instrumentation_scope, vec![s])),
        }
    }
    groups
}

// ---- protobuf ----------------------------------------------------------------------------

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint_len(v: u64) -> usize {
    // prost's `encoded_len_varint`: one multiply instead of a division by 7.
    ((((v | 1).leading_zeros() ^ 63) * 9 + 73) / 64) as usize
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, ((field << 3) | wire) as u64);
}

fn bytes_field(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    key(out, field, 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A proto3 string/bytes field: skipped when empty.
fn opt_bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    if !b.is_empty() {
        bytes_field(out, field, b);
    }
}

fn opt_varint(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        key(out, field, 0);
        varint(out, v);
    }
}

/// Encoded size of an `AnyValue` (the oneof is always written, even when it holds a default).
fn any_value_len(v: &Value) -> usize {
    match v {
        Value::Bool(_) => 2,
        Value::I64(i) => 1 + varint_len(*i as u64),
        Value::F64(_) => 9,
        Value::String(s) => 1 + varint_len(s.as_str().len() as u64) + s.as_str().len(),
        _ => 0, // arrays never reach the direct path
    }
}

fn any_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Bool(b) => {
            key(out, 2, 0);
            out.push(*b as u8);
        }
        Value::I64(i) => {
            key(out, 3, 0);
            varint(out, *i as u64);
        }
        Value::F64(f) => {
            key(out, 4, 1);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::String(s) => bytes_field(out, 1, s.as_str().as_bytes()),
        _ => {}
    }
}

/// One `KeyValue` as a length-delimited field `field` of its parent.
fn key_value(out: &mut Vec<u8>, field: u32, k: &str, v: &Value) {
    let vlen = any_value_len(v);
    let key_part = if k.is_empty() { 0 } else { 1 + varint_len(k.len() as u64) + k.len() };
    let body = key_part + 1 + varint_len(vlen as u64) + vlen;
    key(out, field, 2);
    varint(out, body as u64);
    opt_bytes(out, 1, k.as_bytes());
    key(out, 2, 2);
    varint(out, vlen as u64);
    any_value(out, v);
}

/// An open length-delimited field: its tag is written, its length is not known yet.
///
/// Each message is written once, straight into the output, with room for the length prefix
/// its size usually takes (`guess` bytes); [`close`](Self::close) writes the real length
/// there, and only when it needs another number of bytes moves the body (prost writes minimal
/// varints, so the bytes stay identical to prost's). Encoding each nesting level into its own
/// buffer and copying it into its parent would copy every byte once per level.
struct Open {
    at: usize,
    guess: usize,
}

impl Open {
    fn new(out: &mut Vec<u8>, field: u32, guess: usize) -> Open {
        key(out, field, 2);
        let at = out.len();
        out.resize(at + guess, 0);
        Open { at, guess }
    }

    fn close(self, out: &mut Vec<u8>) {
        let body = self.at + self.guess;
        let len = out.len() - body;
        let need = varint_len(len as u64);
        if need != self.guess {
            if need > self.guess {
                out.resize(out.len() + need - self.guess, 0);
            }
            out.copy_within(body..body + len, self.at + need);
            out.truncate(self.at + need + len);
        }
        let mut v = len as u64;
        for b in &mut out[self.at..self.at + need] {
            *b = (v as u8 & 0x7f) | 0x80;
            v >>= 7;
        }
        out[self.at + need - 1] &= 0x7f;
    }
}

/// Length prefix room for a span (bodies of 128 bytes to 16 KiB take two bytes).
const SPAN_LEN_GUESS: usize = 2;
/// Length prefix room for the batch's resource and scope levels (16 KiB to 2 MiB: three).
const BATCH_LEN_GUESS: usize = 3;

/// The request body: resource (1) with its attributes, one `ScopeSpans` (2) per scope, each
/// span written in place.
fn protobuf_request(spans: &[SpanData], resource: &SpanResource, out: &mut Vec<u8>) {
    let rs = Open::new(out, 1, BATCH_LEN_GUESS);
    // resource (1): attributes (1)…, dropped_attributes_count 0 and entity_refs [] skipped.
    let r = Open::new(out, 1, 1);
    key_value(out, 1, "service.name", &Value::from(resource.service_name.clone()));
    for (k, v) in &resource.attributes {
        key_value(out, 1, k, &Value::from(v.clone()));
    }
    r.close(out);
    for (scope, group) in by_scope(spans) {
        let ss = Open::new(out, 2, BATCH_LEN_GUESS);
        // scope (1): name (1), version (2).
        let sc = Open::new(out, 1, 1);
        opt_bytes(out, 1, scope.name().as_bytes());
        opt_bytes(out, 2, scope.version().unwrap_or_default().as_bytes());
        sc.close(out);
        for s in group {
            let sp = Open::new(out, 2, SPAN_LEN_GUESS);
            span(out, s);
            sp.close(out);
        }
        opt_bytes(out, 3, scope.schema_url().unwrap_or_default().as_bytes());
        ss.close(out);
    }
    // schema_url (3) of the resource: none.
    rs.close(out);
}

/// One `Span` message body appended to `out`, fields in tag order as prost writes them.
fn span(out: &mut Vec<u8>, s: &SpanData) {
    let ctx = &s.span_context;
    bytes_field(out, 1, &ctx.trace_id().to_bytes());
    bytes_field(out, 2, &ctx.span_id().to_bytes());
    opt_bytes(out, 3, ctx.trace_state().header().as_bytes());
    if s.parent_span_id != SpanId::INVALID {
        bytes_field(out, 4, &s.parent_span_id.to_bytes());
    }
    opt_bytes(out, 5, s.name.as_bytes());
    opt_varint(out, 6, kind(&s.span_kind) as u64);
    for (field, t) in [(7, nanos(s.start_time)), (8, nanos(s.end_time))] {
        if t != 0 {
            key(out, field, 1);
            out.extend_from_slice(&t.to_le_bytes());
        }
    }
    for kv in &s.attributes {
        key_value(out, 9, kv.key.as_str(), &kv.value);
    }
    opt_varint(out, 10, s.dropped_attributes_count as u64);
    opt_varint(out, 12, s.events.dropped_count as u64);
    opt_varint(out, 14, s.links.dropped_count as u64);
    // status (15): message (2), code (3); always present.
    let st = Open::new(out, 15, 1);
    if let Status::Error { description } = &s.status {
        opt_bytes(out, 2, description.as_bytes());
    }
    opt_varint(out, 3, status_code(&s.status) as u64);
    st.close(out);
    // flags (16) last: prost writes fields in tag order, whatever the declaration order.
    let f = flags(s);
    if f != 0 {
        key(out, 16, 5);
        out.extend_from_slice(&f.to_le_bytes());
    }
}

// ---- JSON -------------------------------------------------------------------------------

/// Room for an attribute besides its escaped key and string value: `{"key":"","value":` and
/// the longest value wrapper with its number (`{"doubleValue":` + 25 digits + `}`).
const ATTR_ROOM: usize = 96;
/// Room for a span's fixed fields besides its escaped name, trace state and status message:
/// field names, three ids, flags, kind, two timestamps, counts and codes.
const SPAN_ROOM: usize = 512;

/// How many spans ahead of the one being written the JSON encoder prefetches attributes.
const PREFETCH_AHEAD: usize = 8;

/// A JSON string with serde_json's escaping, quotes included.
fn json_str(w: &mut JsonWriter<'_>, s: &str) {
    w.room(escaped_room(s.len()) + 2);
    w.byte(b'"');
    w.str_body(s);
    w.byte(b'"');
}

/// One attribute value; the caller reserved [`ATTR_ROOM`] plus the escaped string.
#[inline(always)]
fn json_value(w: &mut JsonWriter<'_>, v: &Value) {
    match v {
        Value::Bool(b) => w.lit(if *b { "{\"boolValue\":true}" } else { "{\"boolValue\":false}" }),
        Value::I64(i) => {
            w.lit("{\"intValue\":\"");
            w.int(*i);
            w.lit("\"}");
        }
        Value::F64(f) => {
            w.lit("{\"doubleValue\":");
            if f.is_finite() {
                w.finite_f64(*f);
            } else {
                w.lit("null"); // as serde_json writes NaN and infinities
            }
            w.byte(b'}');
        }
        Value::String(s) => {
            w.lit("{\"stringValue\":\"");
            w.str_body(s.as_str());
            w.lit("\"}");
        }
        _ => w.lit("{}"), // arrays never reach the direct path (see `json_span`)
    }
}

fn value_str(v: &Value) -> &str {
    match v {
        Value::String(s) => s.as_str(),
        _ => "",
    }
}

#[inline(always)]
fn json_attr(w: &mut JsonWriter<'_>, first: bool, k: &str, v: &Value) {
    w.room(ATTR_ROOM + escaped_room(k.len()) + escaped_room(value_str(v).len()));
    if first {
        w.lit("{\"key\":\"");
    } else {
        w.lit(",{\"key\":\"");
    }
    w.str_body(k);
    w.lit("\",\"value\":");
    json_value(w, v);
    w.byte(b'}');
}

fn json_attrs<'a>(w: &mut JsonWriter<'_>, kvs: impl Iterator<Item = (&'a str, &'a Value)>) {
    w.room(1);
    w.byte(b'[');
    for (i, (k, v)) in kvs.enumerate() {
        json_attr(w, i == 0, k, v);
    }
    w.room(1);
    w.byte(b']');
}

/// Writes one span; false (with part of it written) if the direct path does not cover it.
fn json_span(w: &mut JsonWriter<'_>, first: bool, s: &SpanData) -> bool {
    if !s.events.is_empty() || !s.links.is_empty() || s.attributes.iter().any(|kv| matches!(kv.value, Value::Array(_)))
    {
        return false;
    }
    let ctx = &s.span_context;
    let trace_state = ctx.trace_state().header();
    w.room(SPAN_ROOM + escaped_room(trace_state.len()) + escaped_room(s.name.len()));
    if first {
        w.lit("{\"traceId\":\"");
    } else {
        w.lit(",{\"traceId\":\"");
    }
    w.hex(&ctx.trace_id().to_bytes());
    w.lit("\",\"spanId\":\"");
    w.hex(&ctx.span_id().to_bytes());
    w.lit("\",\"traceState\":\"");
    w.str_body(&trace_state);
    w.lit("\",\"parentSpanId\":\"");
    if s.parent_span_id != SpanId::INVALID {
        w.hex(&s.parent_span_id.to_bytes());
    }
    w.lit("\",\"flags\":");
    w.uint(flags(s) as u64);
    w.lit(",\"name\":\"");
    w.str_body(&s.name);
    w.lit("\",\"kind\":");
    w.uint(kind(&s.span_kind) as u64);
    w.lit(",\"startTimeUnixNano\":\"");
    w.uint(nanos(s.start_time));
    w.lit("\",\"endTimeUnixNano\":\"");
    w.uint(nanos(s.end_time));
    w.lit("\",\"attributes\":");
    json_attrs(w, s.attributes.iter().map(|kv| (kv.key.as_str(), &kv.value)));
    let message = match &s.status {
        Status::Error { description } => description.as_ref(),
        _ => "",
    };
    w.room(SPAN_ROOM + escaped_room(message.len()));
    w.lit(",\"droppedAttributesCount\":");
    w.uint(s.dropped_attributes_count as u64);
    w.lit(",\"events\":[],\"droppedEventsCount\":");
    w.uint(s.events.dropped_count as u64);
    w.lit(",\"links\":[],\"droppedLinksCount\":");
    w.uint(s.links.dropped_count as u64);
    w.lit(",\"status\":{\"message\":\"");
    w.str_body(message);
    w.lit("\",\"code\":");
    w.uint(status_code(&s.status) as u64);
    w.lit("}}");
    true
}

/// The request written directly; false (with part of it written) if a span is not covered.
fn json_request(spans: &[SpanData], resource: &SpanResource, out: &mut String) -> bool {
    json_request_to(&mut JsonWriter::new(out), spans, resource)
}

/// Streams the canonical OTLP-JSON of the request for `spans` (what [`encode_json`] writes) to
/// `out` in pieces of about `chunk` bytes, encoded in `buf`: a writer of a large batch hands
/// each piece to the kernel while it is still in the CPU's cache, instead of encoding the
/// whole batch (far more than the cache holds) and having it read back from memory. `buf`
/// keeps the last piece (`out` has not seen it). Returns `Ok(false)` when a span is not covered
/// by the direct encoder: what `out` got so far is to be discarded (use [`encode_json`]).
pub(crate) fn stream_json(
    spans: &[SpanData],
    resource: &SpanResource,
    buf: &mut String,
    chunk: usize,
    out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<bool> {
    buf.clear();
    let mut w = JsonWriter::streaming(buf, chunk, out);
    let covered = json_request_to(&mut w, spans, resource);
    w.finish()?;
    Ok(covered)
}

fn json_request_to(w: &mut JsonWriter<'_>, spans: &[SpanData], resource: &SpanResource) -> bool {
    w.room(64);
    w.lit("{\"resourceSpans\":[{\"resource\":{\"attributes\":");
    let service = Value::from(resource.service_name.clone());
    let extra: Vec<(&str, Value)> =
        resource.attributes.iter().map(|(k, v)| (k.as_str(), Value::from(v.clone()))).collect();
    json_attrs(w, std::iter::once(("service.name", &service)).chain(extra.iter().map(|(k, v)| (*k, v))));
    w.room(64);
    w.lit(",\"droppedAttributesCount\":0,\"entityRefs\":[]},\"scopeSpans\":[");
    for (gi, (scope, group)) in by_scope(spans).into_iter().enumerate() {
        if scope.attributes().next().is_some() {
            return false;
        }
        w.room(64);
        w.lit(if gi > 0 { ",{\"scope\":{\"name\":" } else { "{\"scope\":{\"name\":" });
        json_str(w, scope.name());
        w.room(64);
        w.lit(",\"version\":");
        json_str(w, scope.version().unwrap_or_default());
        w.room(64);
        w.lit(",\"attributes\":[],\"droppedAttributesCount\":0},\"spans\":[");
        for (si, s) in group.iter().enumerate() {
            // The attribute lists and their string values are where a span's bytes are, each
            // in memory another core wrote: have the lists a few spans ahead on their way, and
            // the strings of the spans half as far ahead (whose lists have arrived by then).
            if let Some(ahead) = group.get(si + PREFETCH_AHEAD) {
                let attrs = &ahead.attributes;
                crate::memory::prefetch(attrs.as_ptr() as *const u8, std::mem::size_of_val(attrs.as_slice()));
            }
            if let Some(ahead) = group.get(si + PREFETCH_AHEAD / 2) {
                for kv in &ahead.attributes {
                    if let Value::String(v) = &kv.value {
                        crate::memory::prefetch(v.as_str().as_ptr(), v.as_str().len());
                    }
                }
            }
            if !json_span(w, si == 0, s) {
                return false;
            }
        }
        w.room(64);
        w.lit("],\"schemaUrl\":");
        json_str(w, scope.schema_url().unwrap_or_default());
        w.room(64);
        w.byte(b'}');
    }
    w.room(64);
    w.lit("],\"schemaUrl\":\"\"}]}");
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanContext, TraceFlags, TraceId, TraceState};
    use opentelemetry::KeyValue;
    use std::borrow::Cow;
    use std::time::Duration;

    fn span(i: u64, parent: bool, status: Status) -> SpanData {
        let scope = InstrumentationScope::builder("getpatter").build();
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(0x1234_5678_9abc_def0_u128 + i as u128),
                SpanId::from(0x42 + i),
                TraceFlags::SAMPLED,
                false,
                TraceState::NONE,
            ),
            parent_span_id: if parent { SpanId::from(7 + i) } else { SpanId::INVALID },
            parent_span_is_remote: i % 3 == 0,
            span_kind: if i % 2 == 0 { SpanKind::Internal } else { SpanKind::Client },
            name: Cow::Owned(format!("getpatter.span{i} \"quoted\" é \u{1}")),
            start_time: UNIX_EPOCH + Duration::from_nanos(1_776_967_332_413_000_000 + i),
            end_time: UNIX_EPOCH + Duration::from_nanos(1_776_967_332_913_000_123 + i),
            attributes: vec![
                KeyValue::new("getpatter.call.id", format!("CA-{i}")),
                KeyValue::new("n", i as i64),
                KeyValue::new("neg", -5_i64 - i as i64),
                KeyValue::new("zero", 0_i64),
                KeyValue::new("ms", 12.5_f64 + i as f64),
                KeyValue::new("whole", 2.0_f64),
                KeyValue::new("tiny", 1e-300_f64),
                KeyValue::new("interrupted", i % 2 == 0),
                KeyValue::new("no", false),
                KeyValue::new("empty", ""),
                KeyValue::new("long", "x".repeat(300)),
                KeyValue::new(
                    "controls",
                    (0u8..0x20).map(|b| b as char).chain("\"\\/\u{7f}é€😀".chars()).collect::<String>(),
                ),
                KeyValue::new("inf", f64::INFINITY),
                KeyValue::new("nan", f64::NAN),
                KeyValue::new("big", 1.5e300_f64),
                KeyValue::new("e16", 1e16_f64),
                KeyValue::new("e21", 123_456_789_012_345_680_000.0_f64),
                KeyValue::new("negexp", -2.5e-7_f64),
                KeyValue::new("min", i64::MIN),
            ],
            dropped_attributes_count: (i % 2) as u32,
            events: Default::default(),
            links: Default::default(),
            status,
            instrumentation_scope: scope,
        }
    }

    fn batch() -> Vec<SpanData> {
        vec![
            span(0, false, Status::Unset),
            span(1, true, Status::Ok),
            span(2, true, Status::error("timeout \"x\"")),
            span(300, true, Status::Unset),
        ]
    }

    /// Equal strings, or a failure showing where they first differ.
    fn same(ours: &str, theirs: &str) {
        if ours != theirs {
            let i = ours.bytes().zip(theirs.bytes()).take_while(|(a, b)| a == b).count();
            let from = i.saturating_sub(60);
            let show = |s: &str| String::from_utf8_lossy(&s.as_bytes()[from..(i + 60).min(s.len())]).into_owned();
            panic!("differ at byte {i}:\n ours:   {}\n theirs: {}", show(ours), show(theirs));
        }
    }

    fn resource() -> SpanResource {
        SpanResource {
            service_name: "svc".into(),
            attributes: vec![("a".into(), "1".into()), ("team".into(), "vöice".into())],
        }
    }

    #[test]
    fn protobuf_is_byte_identical_to_prost() {
        let spans = batch();
        let mut ours = Vec::new();
        encode_protobuf(&spans, &resource(), &mut ours);
        assert_eq!(ours, encode::to_protobuf(spans, &resource()));
    }

    #[test]
    fn length_prefixes_of_every_size_are_byte_identical_to_prost() {
        // Span bodies under 128 bytes (one-byte length) and over 16 KiB (three), a resource
        // over 128 bytes, and batches from a few bytes to over 2 MiB: every length prefix that
        // does not take the room reserved for it.
        let mut tiny = span(1, false, Status::Unset);
        tiny.attributes.clear();
        tiny.name = "s".into();
        let mut huge = span(2, true, Status::error("e"));
        huge.attributes.push(KeyValue::new("big", "y".repeat(20_000)));
        let mut big_resource = resource();
        big_resource.attributes.push(("long".into(), "z".repeat(300)));
        let mut many = Vec::new();
        for i in 0..130 {
            let mut s = huge.clone();
            s.span_context = SpanContext::new(
                TraceId::from(i as u128 + 1),
                SpanId::from(i + 1),
                TraceFlags::SAMPLED,
                false,
                TraceState::NONE,
            );
            many.push(s);
        }
        for (spans, res) in [
            (vec![tiny.clone()], resource()),
            (vec![tiny.clone(), huge.clone()], big_resource.clone()),
            (vec![], resource()),
            (many, resource()),
        ] {
            let mut ours = Vec::new();
            encode_protobuf(&spans, &res, &mut ours);
            assert_eq!(ours, encode::to_protobuf(spans, &res));
        }
    }

    #[test]
    fn json_is_byte_identical_to_serde() {
        let spans = batch();
        let mut ours = String::new();
        encode_json(&spans, &resource(), &mut ours);
        same(&ours, &encode::to_json(spans, &resource()));
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut cases: Vec<String> = vec![String::new(), "plain ascii text, 24 chars".into(), "é€😀 ünïcödé".into()];
        for b in (0u8..0x80).chain([0xC3]) {
            for len in 1..=40 {
                for pos in 0..len {
                    let mut v = vec![b'a'; len];
                    v[pos] = b;
                    if let Ok(s) = String::from_utf8(v) {
                        cases.push(s);
                    }
                }
            }
        }
        for c in cases {
            let mut ours = String::new();
            json_str(&mut JsonWriter::new(&mut ours), &c);
            assert_eq!(ours, serde_json::to_string(&c).unwrap(), "{c:?}");
        }
    }

    #[test]
    fn doubles_are_written_as_serde_json_writes_them() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values =
            vec![0.0, -0.0, 1.0, 0.1, 1e15, 1e16, 1e17, 1e-5, 1e-6, 1e-7, f64::MAX, f64::MIN_POSITIVE, 5e-324];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x));
            values.push((x % 1_000_000) as f64 / 1000.0);
        }
        for v in values {
            let mut ours = String::new();
            let mut w = JsonWriter::new(&mut ours);
            w.room(ATTR_ROOM);
            json_value(&mut w, &Value::F64(v));
            drop(w);
            let theirs = format!("{{\"doubleValue\":{}}}", serde_json::to_string(&v).unwrap());
            assert_eq!(ours, theirs, "{v:e}");
        }
    }

    #[test]
    fn several_scopes_keep_first_seen_order() {
        let mut spans = batch();
        spans[1].instrumentation_scope = InstrumentationScope::builder("other").with_version("1.2").build();
        let (mut pb, mut js) = (Vec::new(), String::new());
        encode_protobuf(&spans, &resource(), &mut pb);
        encode_json(&spans, &resource(), &mut js);
        assert_eq!(pb, encode::to_protobuf(spans.clone(), &resource()));
        same(&js, &encode::to_json(spans, &resource()));
    }

    #[test]
    fn uncovered_spans_take_the_structures_path() {
        let mut spans = batch();
        spans[0].attributes.push(KeyValue::new("arr", Value::Array(vec![1_i64, 2].into())));
        assert!(!direct(&spans));
        let mut pb = Vec::new();
        encode_protobuf(&spans, &resource(), &mut pb);
        assert_eq!(pb, encode::to_protobuf(spans, &resource()));
    }

    #[test]
    fn keys_of_every_kind_are_written_as_serde_json_writes_them() {
        // Owned keys (several with the same text at other addresses), keys to escape, long
        // keys, the empty key, and hundreds of keys per span.
        let mut spans = batch();
        for (i, s) in spans.iter_mut().enumerate() {
            s.attributes.push(KeyValue::new(format!("owned.{}", i % 2), i as i64));
            s.attributes.push(KeyValue::new("k\"ey\\with\u{1}escapes", "v"));
            s.attributes.push(KeyValue::new("a.key.that.is.far.too.long.to.be.kept.in.a.slot.of.the.cache", 1.5));
            s.attributes.push(KeyValue::new("", "empty key"));
            for j in 0..300 {
                s.attributes.push(KeyValue::new(format!("many.{j}"), true));
            }
        }
        let mut js = String::new();
        encode_json(&spans, &resource(), &mut js);
        same(&js, &encode::to_json(spans, &resource()));
    }

    #[test]
    fn streamed_json_is_what_encode_json_writes() {
        let spans: Vec<SpanData> = (0..40).map(|i| span(i, i % 2 == 0, Status::Unset)).collect();
        let mut whole = String::new();
        encode_json(&spans, &resource(), &mut whole);
        for chunk in [1, 100, 4096, 1 << 20] {
            let mut pieces = Vec::new();
            let mut buf = String::from("stale");
            let mut out = |b: &[u8]| {
                pieces.push(b.to_vec());
                Ok(())
            };
            assert!(stream_json(&spans, &resource(), &mut buf, chunk, &mut out).unwrap());
            let mut all = pieces.concat();
            all.extend_from_slice(buf.as_bytes());
            same(&String::from_utf8(all).unwrap(), &whole);
            assert!(chunk > whole.len() || pieces.len() > 1, "{chunk}");
        }
        let mut with_event = spans.clone();
        with_event[30].events.events.push(opentelemetry::trace::Event::with_name("e"));
        let mut buf = String::new();
        assert!(!stream_json(&with_event, &resource(), &mut buf, 4096, &mut |_| Ok(())).unwrap());
    }

    #[test]
    fn json_of_uncovered_spans_anywhere_in_the_batch_is_serde_json_s() {
        // The direct JSON path finds an uncovered span while writing: what it wrote so far
        // (after text already in the buffer) is replaced by the structures' encoding.
        let mut with_array = batch();
        with_array[3].attributes.push(KeyValue::new("arr", Value::Array(vec![1_i64, 2].into())));
        let mut with_event = batch();
        with_event[2].events.events.push(opentelemetry::trace::Event::with_name("e"));
        let mut with_scope_attrs = batch();
        with_scope_attrs[1].instrumentation_scope =
            InstrumentationScope::builder("other").with_attributes([KeyValue::new("k", "v")]).build();
        for spans in [with_array, with_event, with_scope_attrs] {
            let mut js = String::from("kept|");
            encode_json(&spans, &resource(), &mut js);
            same(&js, &format!("kept|{}", encode::to_json(spans, &resource())));
        }
    }
}
