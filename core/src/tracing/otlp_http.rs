//! OTLP/HTTP protobuf: POSTs already encoded request bytes (spans encoded once per batch by
//! [`super::wire`], metrics and log records by [`crate::telemetry`]) to a collector URL
//! (`/v1/traces`, `/v1/metrics`, `/v1/logs`) with a blocking client, so no async runtime is
//! needed in the host and nothing is cloned.
//!
//! Behaves as the OTLP specification asks of an exporter and as the official
//! `opentelemetry-otlp` 0.33 exporter it replaces did: `Content-Type: application/x-protobuf`,
//! the configured headers; a 2xx answer is success (a partial success is reported as a
//! diagnostic, the batch still counts as exported); 429, 502, 503, 504 and network errors are
//! retried — at most 3 times, exponential backoff from 100 ms to 1.6 s with up to 100 ms of
//! jitter, a `Retry-After` (seconds) from the server respected — all within the deadline of the
//! export; any other status fails the batch at once. One [`OtlpHttp`] client serves any path:
//! the span sink ([`OtlpHttpSink`]) and the metrics/logs exporter share these rules.

use super::sinks::{Sink, SpanBatch};
use std::time::{Duration, Instant};

/// Retries after the first attempt.
const MAX_RETRIES: u32 = 3;
/// Delay before the first retry.
const INITIAL_DELAY: Duration = Duration::from_millis(100);
/// Largest delay between retries (a server's `Retry-After` may ask for more).
const MAX_DELAY: Duration = Duration::from_millis(1600);
/// Largest random addition to a delay.
const MAX_JITTER_MS: u64 = 100;
/// Most of an answer's body read (to decode a partial success).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

/// An OTLP/HTTP protobuf client: headers, timeout and the retry rules, for any signal's URL.
pub(crate) struct OtlpHttp {
    client: reqwest::blocking::Client,
    headers: reqwest::header::HeaderMap,
    timeout: Duration,
    rng: u64,
}

/// OTLP/HTTP protobuf spans to one collector URL.
pub(crate) struct OtlpHttpSink {
    http: OtlpHttp,
    url: String,
}

/// One failed attempt: whether it may be retried, after how long the server asked, and why.
struct Failure {
    retryable: bool,
    retry_after: Option<Duration>,
    message: String,
}

impl OtlpHttp {
    /// A client sending `headers`, each export bounded by `timeout`. Errors for a header that
    /// is not valid HTTP.
    pub(crate) fn new(headers: &[(String, String)], timeout: Duration) -> Result<Self, String> {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            let name =
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).map_err(|e| format!("header {k:?}: {e}"))?;
            let value = reqwest::header::HeaderValue::from_str(v).map_err(|e| format!("header {k:?}: {e}"))?;
            map.insert(name, value);
        }
        map.insert(reqwest::header::CONTENT_TYPE, reqwest::header::HeaderValue::from_static("application/x-protobuf"));
        let client = reqwest::blocking::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Ok(OtlpHttp { client, headers: map, timeout, rng: seed | 1 })
    }

    fn jitter(&mut self) -> Duration {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        Duration::from_millis(self.rng % (MAX_JITTER_MS + 1))
    }

    /// One POST, bounded by `budget`.
    fn attempt(&self, url: &str, body: &[u8], budget: Duration) -> Result<Vec<u8>, Failure> {
        let sent = self.client.post(url).headers(self.headers.clone()).timeout(budget).body(body.to_vec()).send();
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() { "timed out" } else { "network error" };
                return Err(Failure {
                    retryable: true,
                    retry_after: None,
                    message: format!("OTLP export {what}: {e}"),
                });
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if resp.status().is_success() {
            use std::io::Read;
            let mut buf = Vec::new();
            let _ = resp.take(MAX_RESPONSE_BYTES).read_to_end(&mut buf);
            return Ok(buf);
        }
        Err(Failure {
            retryable: matches!(status, 429 | 502 | 503 | 504),
            retry_after,
            message: format!("OTLP export failed with HTTP status {status}"),
        })
    }

    /// POSTs `body` to `url` with the retry rules, giving up at `deadline` (at the latest
    /// `timeout` from now). `what` names the items in a partial-success diagnostic (`spans`,
    /// `data points`, `log records`).
    pub(crate) fn post(&mut self, url: &str, body: &[u8], deadline: Instant, what: &str) -> Result<(), String> {
        let deadline = deadline.min(Instant::now() + self.timeout);
        let mut delay = INITIAL_DELAY;
        let mut retries = 0;
        loop {
            let budget = deadline.saturating_duration_since(Instant::now());
            if budget.is_zero() {
                return Err("OTLP export gave up: the export timeout passed".into());
            }
            let failure = match self.attempt(url, body, budget) {
                Ok(resp) => {
                    check_partial_success(&resp, url, what);
                    return Ok(());
                }
                Err(f) => f,
            };
            if !failure.retryable || retries >= MAX_RETRIES {
                return Err(failure.message);
            }
            let wait = failure.retry_after.unwrap_or(delay).max(delay.min(MAX_DELAY)) + self.jitter();
            if Instant::now() + wait >= deadline {
                return Err(format!("{} (no time left to retry within the export timeout)", failure.message));
            }
            std::thread::sleep(wait);
            delay = (delay * 2).min(MAX_DELAY);
            retries += 1;
        }
    }
}

impl OtlpHttpSink {
    /// A sink for `url` (the full `/v1/traces` URL). Errors for a header that is not valid HTTP.
    pub(crate) fn new(url: &str, headers: &[(String, String)], timeout: Duration) -> Result<Self, String> {
        Ok(OtlpHttpSink { http: OtlpHttp::new(headers, timeout)?, url: url.to_string() })
    }
}

/// Reports a collector's partial success (items it rejected) as a diagnostic. The three export
/// responses (traces, metrics, logs) share one wire shape — `partial_success` (1) holding the
/// rejected count (1) and a message (2) — so the trace response decodes all of them.
fn check_partial_success(body: &[u8], url: &str, what: &str) {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    use prost::Message;
    let Ok(resp) = ExportTraceServiceResponse::decode(body) else { return };
    if let Some(p) = resp.partial_success {
        if p.rejected_spans > 0 || !p.error_message.is_empty() {
            crate::diagnostics::report(
                crate::diagnostics::Level::Warn,
                crate::diagnostics::Code::TracingExportFailed,
                || format!("{url} rejected {} {what}: {}", p.rejected_spans, p.error_message),
            );
        }
    }
}

impl Sink for OtlpHttpSink {
    fn export(&mut self, batch: &SpanBatch<'_>) -> Result<(), String> {
        let deadline = Instant::now() + self.http.timeout;
        self.http.post(&self.url, batch.protobuf(), deadline, "spans")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracing::encode::SpanResource;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    /// What the collector saw: each request's head and body length.
    type Seen = Arc<Mutex<Vec<(String, usize)>>>;

    /// A scripted collector on loopback: answers the n-th request with the n-th (status, extra
    /// headers, body), records each request's head and body length.
    fn collector(script: Vec<(u16, &'static str, Vec<u8>)>) -> (String, Seen) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
        let seen: Seen = Arc::default();
        let log = seen.clone();
        std::thread::spawn(move || {
            for (status, extra, body) in script {
                let Ok((stream, _)) = listener.accept() else { return };
                let mut r = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                let mut body_in = vec![0; len];
                r.read_exact(&mut body_in).unwrap();
                log.lock().unwrap().push((head, len));
                let mut s = stream;
                let _ = write!(
                    s,
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
                    body.len()
                );
                let _ = s.write_all(&body);
            }
        });
        (url, seen)
    }

    fn export(url: &str, timeout: Duration) -> Result<(), String> {
        let spans = Vec::new();
        let resource = SpanResource::default();
        let batch = SpanBatch::new(&spans, &resource);
        let mut sink = OtlpHttpSink::new(url, &[("x-team".into(), "voice".into())], timeout).unwrap();
        sink.export(&batch)
    }

    #[test]
    fn success_sends_protobuf_with_the_headers() {
        let (url, seen) = collector(vec![(200, "", vec![])]);
        assert_eq!(export(&url, Duration::from_secs(5)), Ok(()));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let head = seen[0].0.to_ascii_lowercase();
        assert!(head.starts_with("post /v1/traces http/1.1"), "{head}");
        assert!(head.contains("content-type: application/x-protobuf") && head.contains("x-team: voice"), "{head}");
        assert!(seen[0].1 > 0, "the body is the encoded request");
    }

    #[test]
    fn retryable_statuses_are_retried_with_backoff() {
        let (url, seen) = collector(vec![
            (503, "", vec![]),
            (429, "Retry-After: 0\r\n", vec![]),
            (502, "", vec![]),
            (200, "", vec![]),
        ]);
        let t = Instant::now();
        assert_eq!(export(&url, Duration::from_secs(10)), Ok(()));
        assert_eq!(seen.lock().unwrap().len(), 4);
        assert!(t.elapsed() >= Duration::from_millis(100 + 200 + 400), "exponential backoff: {:?}", t.elapsed());
    }

    #[test]
    fn other_statuses_fail_at_once_and_retries_stop_after_three() {
        let (url, seen) = collector(vec![(400, "", vec![])]);
        let e = export(&url, Duration::from_secs(5)).unwrap_err();
        assert!(e.contains("HTTP status 400"), "{e}");
        assert_eq!(seen.lock().unwrap().len(), 1);
        let (url, seen) = collector(vec![(503, "", vec![]); 5]);
        assert!(export(&url, Duration::from_secs(10)).unwrap_err().contains("503"));
        assert_eq!(seen.lock().unwrap().len(), 4, "1 attempt + 3 retries");
    }

    #[test]
    fn retries_never_outlive_the_export_timeout() {
        let (url, _) = collector(vec![(503, "Retry-After: 30\r\n", vec![]); 2]);
        let t = Instant::now();
        let e = export(&url, Duration::from_millis(800)).unwrap_err();
        assert!(t.elapsed() < Duration::from_millis(1500), "{:?}", t.elapsed());
        assert!(e.contains("no time left"), "{e}");
    }

    #[test]
    fn any_signal_path_shares_the_retry_rules_and_the_deadline() {
        let (url, seen) = collector(vec![(503, "", vec![]), (200, "", vec![])]);
        let url = url.replace("/v1/traces", "/v1/metrics");
        let mut http = OtlpHttp::new(&[], Duration::from_secs(5)).unwrap();
        assert_eq!(http.post(&url, b"x", Instant::now() + Duration::from_secs(5), "data points"), Ok(()));
        let heads: Vec<String> = seen.lock().unwrap().iter().map(|(h, _)| h.to_ascii_lowercase()).collect();
        assert_eq!(heads.len(), 2, "one retry after the 503");
        assert!(heads.iter().all(|h| h.starts_with("post /v1/metrics http/1.1")), "{heads:?}");
        // A deadline shorter than the client's timeout bounds the export.
        let (url, _) = collector(vec![(503, "Retry-After: 30\r\n", vec![]); 2]);
        let t = Instant::now();
        assert!(http.post(&url, b"x", Instant::now() + Duration::from_millis(300), "log records").is_err());
        assert!(t.elapsed() < Duration::from_millis(1500), "{:?}", t.elapsed());
    }

    #[test]
    fn a_partial_success_still_counts_as_exported() {
        use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceResponse};
        use prost::Message;
        let body = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess { rejected_spans: 2, error_message: "too old".into() }),
        }
        .encode_to_vec();
        let (url, _) = collector(vec![(200, "", body)]);
        assert_eq!(export(&url, Duration::from_secs(5)), Ok(()));
    }
}
