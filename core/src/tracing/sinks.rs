//! Where exported spans go: the console, an OTLP-JSON file, or a host callback (OTLP/HTTP
//! protobuf is in `otlp_http`). Sinks run only on the export thread, never on a caller's thread.

#[cfg(test)]
use super::encode;
use super::encode::SpanResource;
use super::wire;
use crate::fsio;
use opentelemetry_sdk::trace::SpanData;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A destination for batches of finished spans. Every sink gets the same [`SpanBatch`], so a
/// batch is encoded at most once per format whatever the number of sinks.
pub(crate) trait Sink: Send {
    /// Exports one batch; an `Err` is counted as failed spans and logged.
    fn export(&mut self, batch: &SpanBatch<'_>) -> Result<(), String>;
    /// Releases resources; called once when the sink is removed.
    fn shutdown(&mut self) {}
}

/// Human-readable spans on stderr (`OTEL_CONSOLE_EXPORT=true`).
pub(crate) struct ConsoleSink;

/// Formats one span as a single human-readable line.
pub(crate) fn console_line(span: &SpanData) -> String {
    let mut line = String::with_capacity(256);
    let dur_ms = span.end_time.duration_since(span.start_time).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    let _ = write!(
        line,
        "[patter span] {} trace={} span={} parent={} duration={:.3}ms",
        span.name,
        span.span_context.trace_id(),
        span.span_context.span_id(),
        span.parent_span_id,
        dur_ms
    );
    if let opentelemetry::trace::Status::Error { description } = &span.status {
        let _ = write!(line, " status=ERROR({description})");
    }
    for kv in &span.attributes {
        let _ = write!(line, " {}={}", kv.key, kv.value);
    }
    line.push('\n');
    line
}

impl Sink for ConsoleSink {
    fn export(&mut self, batch: &SpanBatch<'_>) -> Result<(), String> {
        let mut out = String::new();
        for span in batch.spans {
            out.push_str(&console_line(span));
        }
        std::io::stderr().lock().write_all(out.as_bytes()).map_err(|e| e.to_string())
    }
}

/// OTLP-JSON, one export batch per line, appended to a file: the embedded default sink.
///
/// Several processes may append to one file and any of them may be killed mid-line: each line
/// is written (in pieces of [`FILE_CHUNK`] bytes) under an exclusive `flock`, after removing a
/// torn tail a killed writer left, and removed again if it cannot be written whole (see
/// [`fsio::LineAppend`]), so every line parses. The file is created 0600 and
/// missing directories 0700 (spans carry call ids); the file name must be a regular file, never
/// a link, FIFO or device.
pub(crate) struct FileSink {
    path: PathBuf,
    file: Option<std::fs::File>,
    /// Where this sink's last line ended (see [`fsio::LineAppend::begin`]).
    end: Option<u64>,
    /// The piece of OTLP-JSON being encoded (see [`wire::stream_json`]).
    buf: String,
}

/// Bytes of OTLP-JSON the file sink encodes before handing them to the kernel: small enough to
/// still be in the CPU's cache when `write` copies them (a batch of 512 spans is ~600 KiB), big
/// enough that a batch takes only a few writes.
const FILE_CHUNK: usize = 64 << 10;

impl FileSink {
    /// A sink appending to `path` (opened lazily, reopened after errors).
    pub(crate) fn new(path: PathBuf) -> Self {
        FileSink { path, file: None, end: None, buf: String::new() }
    }

    fn open(&self) -> Result<std::fs::File, String> {
        let err = |e: std::io::Error| format!("{}: {e}", self.path.display());
        let name = self
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{}: not a file name", self.path.display()))?;
        let parent = self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = fsio::Dir::open_root(parent, false).map_err(err)?;
        let (f, repaired) = dir.open_append(name).map_err(err)?;
        if repaired > 0 {
            crate::diagnostics::report(
                crate::diagnostics::Level::Warn,
                crate::diagnostics::Code::TracingFileRepaired,
                || {
                    format!(
                        "span file {}: removed a partial line ({repaired} bytes) left by a killed writer",
                        self.path.display()
                    )
                },
            );
        }
        Ok(f)
    }
}

impl Sink for FileSink {
    fn export(&mut self, batch: &SpanBatch<'_>) -> Result<(), String> {
        if self.file.is_none() {
            self.file = Some(self.open()?);
            self.end = None;
        }
        let res = match self.file.as_ref() {
            Some(f) => append_batch(f, batch, &mut self.buf, &mut self.end),
            None => return Err("file not open".into()),
        };
        if self.buf.capacity() > 2 * FILE_CHUNK {
            self.buf = String::new(); // a batch of unusually large spans does not pin its memory
        }
        res.map_err(|e| {
            self.file = None;
            format!("{}: {e}", self.path.display())
        })
    }
}

/// Appends the batch's OTLP-JSON line to `file`, encoded and written a piece at a time (see
/// [`fsio::LineAppend`]: the line is whole in the file, or not there).
fn append_batch(
    file: &std::fs::File,
    batch: &SpanBatch<'_>,
    buf: &mut String,
    end: &mut Option<u64>,
) -> std::io::Result<()> {
    let mut line = fsio::LineAppend::begin(file, end)?;
    *end = None;
    let covered = wire::stream_json(batch.spans, batch.resource, buf, FILE_CHUNK, &mut |piece| line.write(piece))?;
    if covered {
        buf.push('\n');
        line.write(buf.as_bytes())?;
    } else {
        // Spans the direct encoder does not cover: the structures' encoding, in one piece.
        line.restart()?;
        line.write(batch.json_line().as_bytes())?;
    }
    line.finish(end);
    Ok(())
}

/// A batch handed to the sinks and host exporters: the spans, renderable as OTLP-JSON or
/// protobuf. Each rendering is computed once, on first use, and shared by every sink.
#[derive(Debug)]
pub struct SpanBatch<'a> {
    spans: &'a [SpanData],
    resource: &'a SpanResource,
    /// OTLP-JSON followed by a newline (the file sink's line; `json` is it without the newline).
    json_line: std::sync::OnceLock<String>,
    protobuf: std::sync::OnceLock<Vec<u8>>,
    /// Emptied buffers of an earlier batch, written into before anything is allocated.
    spare: std::sync::Mutex<EncodeBuffers>,
}

/// The encoding buffers of a batch, handed from one batch to the next by the export thread so
/// that encoding a batch neither allocates nor grows (and page-faults) a fresh buffer.
#[derive(Debug, Default)]
pub(crate) struct EncodeBuffers {
    json: String,
    protobuf: Vec<u8>,
}

/// Largest buffer kept for the next batch: one batch of ordinary spans needs far less (about
/// 1.4 KiB of OTLP-JSON per span); a batch of unusually large spans does not pin its memory.
const KEEP_BUFFER_BYTES: usize = 8 << 20;

impl EncodeBuffers {
    fn keep(&mut self) {
        self.json.clear();
        self.protobuf.clear();
        if self.json.capacity() > KEEP_BUFFER_BYTES {
            self.json = String::new();
        }
        if self.protobuf.capacity() > KEEP_BUFFER_BYTES {
            self.protobuf = Vec::new();
        }
    }
}

impl<'a> SpanBatch<'a> {
    /// A batch of `spans` under `resource`.
    pub fn new(spans: &'a [SpanData], resource: &'a SpanResource) -> Self {
        Self::reusing(spans, resource, EncodeBuffers::default())
    }
    /// A batch that encodes into `buffers` (from [`into_buffers`](Self::into_buffers)).
    pub(crate) fn reusing(spans: &'a [SpanData], resource: &'a SpanResource, buffers: EncodeBuffers) -> Self {
        SpanBatch {
            spans,
            resource,
            json_line: Default::default(),
            protobuf: Default::default(),
            spare: std::sync::Mutex::new(buffers),
        }
    }
    /// The batch's buffers, emptied, for the next batch.
    pub(crate) fn into_buffers(self) -> EncodeBuffers {
        let mut b = self.spare.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(j) = self.json_line.into_inner() {
            b.json = j;
        }
        if let Some(p) = self.protobuf.into_inner() {
            b.protobuf = p;
        }
        b.keep();
        b
    }
    fn spare(&self) -> std::sync::MutexGuard<'_, EncodeBuffers> {
        self.spare.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// The spans of this batch, in the order they ended.
    pub fn spans(&self) -> &'a [SpanData] {
        self.spans
    }
    /// The resource every span of the batch is exported under.
    pub fn resource(&self) -> &'a SpanResource {
        self.resource
    }
    fn json_line(&self) -> &str {
        self.json_line.get_or_init(|| {
            let mut s = std::mem::take(&mut self.spare().json);
            s.reserve(self.spans.len() * 1024);
            wire::encode_json(self.spans, self.resource, &mut s);
            s.push('\n');
            s
        })
    }
    /// Canonical OTLP-JSON of the batch (one line, no newline), encoded once per batch.
    pub fn json(&self) -> &str {
        let l = self.json_line();
        &l[..l.len() - 1]
    }
    /// OTLP protobuf bytes of the batch, encoded once per batch.
    pub fn protobuf(&self) -> &[u8] {
        self.protobuf.get_or_init(|| {
            let mut b = std::mem::take(&mut self.spare().protobuf);
            wire::encode_protobuf(self.spans, self.resource, &mut b);
            b
        })
    }
    /// Canonical OTLP-JSON of the batch (one line), as an owned string.
    pub fn to_json(&self) -> String {
        self.json().to_owned()
    }
    /// OTLP protobuf bytes of the batch, owned.
    pub fn to_protobuf(&self) -> Vec<u8> {
        self.protobuf().to_vec()
    }
}

/// A host-provided exporter (Python object, JS function, C function pointer, Rust closure).
pub trait SpanCallback: Send + Sync {
    /// Receives one batch on the export thread; an `Err` counts the batch as failed.
    fn export(&self, batch: &SpanBatch<'_>) -> Result<(), String>;
    /// Identity used to make attaching idempotent; None = the `Arc`'s address.
    fn identity(&self) -> Option<u64> {
        None
    }
    /// Called once when the exporter is detached or tracing shuts down.
    fn shutdown(&self) {}
    /// Delivery counters the callback keeps itself when it delivers on a thread of its own
    /// (spans delivered, spans failed, the last error); None: the pipeline's counts of its calls.
    fn delivery(&self) -> Option<(u64, u64, Option<String>)> {
        None
    }
}

/// Adapts a [`SpanCallback`] to a sink.
pub(crate) struct CallbackSink(pub(crate) Arc<dyn SpanCallback>);

impl Sink for CallbackSink {
    fn export(&mut self, batch: &SpanBatch<'_>) -> Result<(), String> {
        let cb = self.0.clone();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb.export(batch))) {
            Ok(r) => r,
            Err(_) => Err("span exporter callback panicked".into()),
        }
    }
    fn shutdown(&mut self) {
        let cb = self.0.clone();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb.shutdown()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState};
    use opentelemetry::{InstrumentationScope, KeyValue};
    use std::time::{Duration, UNIX_EPOCH};

    fn span(i: u64) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(i as u128 + 1),
                SpanId::from(i + 1),
                TraceFlags::SAMPLED,
                false,
                TraceState::NONE,
            ),
            parent_span_id: SpanId::from(7),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: "getpatter.tts".into(),
            start_time: UNIX_EPOCH + Duration::from_nanos(1_776_967_332_413_000_000 + i),
            end_time: UNIX_EPOCH + Duration::from_nanos(1_776_967_332_913_000_000 + i),
            attributes: vec![
                KeyValue::new("getpatter.call.id", format!("CA-{i}")),
                KeyValue::new("patter.tts.provider", "elevenlabs"),
                KeyValue::new("getpatter.tts.text_len", 31),
                KeyValue::new("patter.cost.usd", 0.00155),
                KeyValue::new("padding", "x".repeat(900)),
            ],
            dropped_attributes_count: 0,
            events: Default::default(),
            links: Default::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("getpatter").build(),
        }
    }

    #[test]
    fn the_file_sink_writes_each_batch_as_one_line_of_its_otlp_json() {
        // Batches far larger than the pieces the sink encodes and writes at a time, one with a
        // span the direct encoder does not cover (an event): each is one line, byte for byte
        // the batch's OTLP-JSON.
        let dir = std::env::temp_dir().join(format!("patter-file-sink-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("spans.jsonl");
        let resource = SpanResource::default();
        let big: Vec<SpanData> = (0..300).map(span).collect();
        assert!(SpanBatch::new(&big, &resource).json().len() > 4 * FILE_CHUNK);
        let mut uncovered: Vec<SpanData> = (0..100).map(span).collect();
        uncovered[70].events.events.push(opentelemetry::trace::Event::with_name("e"));
        let small = vec![span(1)];
        let mut sink = FileSink::new(path.clone());
        let mut expect = String::new();
        for spans in [&big, &uncovered, &small, &big] {
            let batch = SpanBatch::new(spans, &resource);
            sink.export(&batch).unwrap();
            expect.push_str(&encode::to_json(spans.to_vec(), &resource));
            expect.push('\n');
        }
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written == expect, "the span file differs from the batches' OTLP-JSON");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
