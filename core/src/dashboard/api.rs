//! The dashboard's routes: the embedded page and the read-only JSON API over a MetricsStore.
//!
//! ```text
//! GET /                  the page (index.html); /app.js, /app.css, /favicon.svg
//! GET /api/info          mode (live or snapshot), version, counts, store generation
//! GET /api/calls         ?offset=&limit=&direction=&status=&q=  one page of the call list
//! GET /api/call          ?id=  one call, its transcript, events and turn waterfall
//! GET /api/stats         aggregates and the timeline (cost by category/provider, TTFB)
//! GET /api/active        calls in progress
//! GET /api/live          server-sent events: `active` (calls in progress) and `changed`
//! ```
//!
//! Everything derived from the whole store (the stats) is cached by the store's generation, so
//! a page reload of a 20,000-call store costs one pass only when something changed.

use crate::store::view::{self, Timeline, Waterfall};
use crate::store::{Aggregates, CallFilter, CallRecord, CallSummary, MetricsStore, TranscriptEntry};
use serde::Serialize;
use std::sync::{Arc, Mutex};

pub(crate) const INDEX_HTML: &str = include_str!("assets/index.html");
pub(crate) const APP_JS: &str = include_str!("assets/app.js");
pub(crate) const APP_CSS: &str = include_str!("assets/app.css");
pub(crate) const FAVICON_SVG: &str = include_str!("assets/favicon.svg");

/// Default page size of `/api/calls`.
pub const DEFAULT_PAGE: usize = 50;
/// Transcript lines of an active call sent in `/api/active` and the `active` event.
pub const ACTIVE_TAIL_LINES: usize = 3;

/// An answer: status, content type, body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Answer {
    fn json<T: Serialize>(v: &T) -> Answer {
        match serde_json::to_vec(v) {
            Ok(body) => Answer { status: 200, content_type: "application/json", body },
            Err(_) => Answer::error(500, "could not encode the answer"),
        }
    }

    fn asset(content_type: &'static str, text: &'static str) -> Answer {
        Answer { status: 200, content_type, body: text.as_bytes().to_vec() }
    }

    pub(crate) fn error(status: u16, message: &str) -> Answer {
        let body = serde_json::to_vec(&serde_json::json!({ "error": message })).unwrap_or_default();
        Answer { status, content_type: "application/json", body }
    }

    pub(crate) fn text(status: u16, message: &str) -> Answer {
        Answer { status, content_type: "text/plain; charset=utf-8", body: format!("{message}\n").into_bytes() }
    }
}

/// What a route resolved to.
pub(crate) enum Route {
    /// A complete answer.
    Answer(Answer),
    /// The event stream.
    Live,
}

/// Where the data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The store of a running host process (calls appear as they start).
    Live,
    /// A store read from a call-log directory (`patter dashboard`), refreshed from disk.
    Snapshot,
}

/// The data side of a dashboard: the store and the stats cache.
pub(crate) struct Api {
    pub store: Arc<MetricsStore>,
    pub mode: Mode,
    pub root: Option<String>,
    stats_cache: Mutex<Option<(u64, Arc<Vec<u8>>)>>,
}

#[derive(Serialize)]
struct Info<'a> {
    version: &'static str,
    mode: Mode,
    root: Option<&'a str>,
    capacity: usize,
    finished: usize,
    active: usize,
    generation: u64,
    page_size: usize,
    max_page: usize,
}

#[derive(Serialize)]
struct Stats {
    aggregates: Aggregates,
    timeline: Timeline,
}

#[derive(Serialize)]
struct CallDetail {
    call: CallRecord,
    waterfall: Waterfall,
}

/// A call in progress as the live view shows it.
#[derive(Debug, Serialize)]
pub(crate) struct ActiveCall {
    #[serde(flatten)]
    summary: CallSummary,
    /// Transcript lines so far.
    transcript_lines: usize,
    /// The last [`ACTIVE_TAIL_LINES`] of them.
    last_lines: Vec<TranscriptEntry>,
}

/// Decodes `%XX` escapes and `+` (a space) of a query component; None for bad escapes or
/// invalid UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                out.push(v);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The decoded value of query parameter `name` (the first one), None when absent or malformed.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| percent_decode(v))
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

impl Api {
    pub fn new(store: Arc<MetricsStore>, mode: Mode, root: Option<String>) -> Self {
        Api { store, mode, root, stats_cache: Mutex::new(None) }
    }

    /// Routes a checked GET of `path` with `query` (both raw, from the request target).
    pub fn route(&self, path: &str, query: &str) -> Route {
        let a = match path {
            "/" | "/index.html" => Answer::asset("text/html; charset=utf-8", INDEX_HTML),
            "/app.js" => Answer::asset("text/javascript; charset=utf-8", APP_JS),
            "/app.css" => Answer::asset("text/css; charset=utf-8", APP_CSS),
            "/favicon.svg" => Answer::asset("image/svg+xml", FAVICON_SVG),
            "/api/info" => self.info(),
            "/api/calls" => self.calls(query),
            "/api/call" => self.call(query),
            "/api/stats" => self.stats(),
            "/api/active" => Answer::json(&self.active()),
            "/api/live" => return Route::Live,
            _ => Answer::text(404, "not found"),
        };
        Route::Answer(a)
    }

    fn info(&self) -> Answer {
        Answer::json(&Info {
            version: env!("CARGO_PKG_VERSION"),
            mode: self.mode,
            root: self.root.as_deref(),
            capacity: self.store.capacity(),
            finished: self.store.len(),
            active: self.store.get_active_calls().len(),
            generation: self.store.generation(),
            page_size: DEFAULT_PAGE,
            max_page: crate::store::MAX_PAGE,
        })
    }

    fn calls(&self, query: &str) -> Answer {
        let num = |name: &str, default: usize| -> Result<usize, Answer> {
            match query_param(query, name) {
                None => Ok(default),
                Some(v) if v.is_empty() => Ok(default),
                Some(v) => v.parse().map_err(|_| Answer::error(400, &format!("{name} must be a non-negative integer"))),
            }
        };
        let (offset, limit) = match (num("offset", 0), num("limit", DEFAULT_PAGE)) {
            (Ok(o), Ok(l)) => (o, l),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        let filter = CallFilter {
            direction: nonempty(query_param(query, "direction")),
            status: nonempty(query_param(query, "status")),
            id_contains: nonempty(query_param(query, "q")),
        };
        Answer::json(&self.store.query_calls(&filter, offset, limit))
    }

    fn call(&self, query: &str) -> Answer {
        let Some(id) = nonempty(query_param(query, "id")) else {
            return Answer::error(400, "id is required");
        };
        match self.store.get_call(&id) {
            Some(call) => {
                let waterfall = view::waterfall(&call);
                Answer::json(&CallDetail { call, waterfall })
            }
            None => Answer::error(404, "no such call"),
        }
    }

    fn stats(&self) -> Answer {
        let generation = self.store.generation();
        let mut cache = self.stats_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((g, body)) = cache.as_ref() {
            if *g == generation {
                return Answer { status: 200, content_type: "application/json", body: body.to_vec() };
            }
        }
        let stats = Stats {
            aggregates: self.store.get_aggregates(),
            timeline: self.store.with_summaries(|it| view::timeline(it)),
        };
        let a = Answer::json(&stats);
        if a.status == 200 {
            *cache = Some((generation, Arc::new(a.body.clone())));
        }
        a
    }

    /// The calls in progress, oldest first, with the tail of their transcript.
    pub fn active(&self) -> Vec<ActiveCall> {
        self.store
            .get_active_calls()
            .into_iter()
            .map(|r| {
                let n = r.transcript.len();
                let mut summary = r.summary;
                summary.turns = r.transcript.iter().map(|t| t.turn_index).max().unwrap_or(0);
                ActiveCall {
                    summary,
                    transcript_lines: n,
                    last_lines: r.transcript[n.saturating_sub(ACTIVE_TAIL_LINES)..].to_vec(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        let q = "q=CA%2Fx+y&limit=5&empty=&flag";
        assert_eq!(query_param(q, "q").as_deref(), Some("CA/x y"));
        assert_eq!(query_param(q, "limit").as_deref(), Some("5"));
        assert_eq!(query_param(q, "empty").as_deref(), Some(""));
        assert_eq!(query_param(q, "flag").as_deref(), Some(""));
        assert_eq!(query_param(q, "nope"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%e2%82%ac"), Some("€".into()));
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn unknown_paths_and_traversal_are_not_found() {
        let api = Api::new(Arc::new(MetricsStore::new(10)), Mode::Live, None);
        for p in
            ["/../Cargo.toml", "/app.js/../../etc/passwd", "/%2e%2e/etc/passwd", "/api", "/api/calls/x", "//etc/passwd"]
        {
            match api.route(p, "") {
                Route::Answer(a) => assert_eq!(a.status, 404, "{p}"),
                Route::Live => panic!("{p}"),
            }
        }
    }
}
