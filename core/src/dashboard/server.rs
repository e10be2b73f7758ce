//! The HTTP side: a `tiny_http` listener on 127.0.0.1, [`WORKERS`] threads answering requests
//! (never the host's threads), one thread per open event stream (at most
//! [`MAX_LIVE_CLIENTS`]), and in snapshot mode one thread refreshing the store from disk.

use super::api::{Answer, Api, Route};
use super::security::{Auth, Guard, SECURITY_HEADERS};
use crate::diagnostics::{self, Code, Level};
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Threads answering requests.
pub const WORKERS: usize = 2;
/// Event streams open at once at most (more are answered 503).
pub const MAX_LIVE_CLIENTS: usize = 16;
/// How often an event stream looks for changes.
pub const LIVE_POLL: Duration = Duration::from_millis(500);
/// A comment line keeps an idle event stream open through proxies and timeouts.
pub const LIVE_KEEPALIVE: Duration = Duration::from_secs(15);
/// How long a worker waits for a request before looking at the stop flag.
const RECV_WAIT: Duration = Duration::from_millis(200);

pub(crate) struct Shared {
    pub guard: Guard,
    pub api: Api,
    pub closed: AtomicBool,
    live_clients: AtomicUsize,
    pub threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    pub fn new(guard: Guard, api: Api) -> Self {
        Shared {
            guard,
            api,
            closed: AtomicBool::new(false),
            live_clients: AtomicUsize::new(0),
            threads: Mutex::new(Vec::new()),
        }
    }

    pub fn add_thread(&self, h: JoinHandle<()>) {
        self.threads.lock().unwrap_or_else(|p| p.into_inner()).push(h);
    }
}

fn header_value(req: &tiny_http::Request, name: &str) -> Option<String> {
    // Several headers of one name: a request that smuggles a second Host or Origin is refused
    // by the checks (None for Host, a value that cannot match for Origin).
    let mut it = req.headers().iter().filter(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name));
    let first = it.next()?.value.as_str().to_string();
    if it.next().is_some() {
        return if name.eq_ignore_ascii_case("cookie") { Some(first) } else { Some(String::from("\u{0}duplicate")) };
    }
    Some(first)
}

fn response(answer: Answer, extra: &[(&str, String)]) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut r = tiny_http::Response::from_data(answer.body).with_status_code(answer.status);
    let mut add = |k: &str, v: &str| {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            r.add_header(h);
        }
    };
    add("Content-Type", answer.content_type);
    for (k, v) in SECURITY_HEADERS {
        add(k, v);
    }
    for (k, v) in extra {
        add(k, v);
    }
    r
}

fn handle(shared: &Arc<Shared>, req: tiny_http::Request) {
    let target = req.url().to_string();
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let method = req.method().as_str().to_string();
    let query_token = super::api::query_param(query, "token");
    let auth = shared.guard.check(&method, &|n| header_value(&req, n), query_token.as_deref());
    let auth = match auth {
        Ok(a) => a,
        Err(refusal) => {
            let extra: Vec<(&str, String)> =
                if refusal.status == 405 { vec![("Allow", "GET".to_string())] } else { Vec::new() };
            let _ = req.respond(response(Answer::text(refusal.status, refusal.reason), &extra));
            return;
        }
    };
    if !path.starts_with('/') {
        let _ = req.respond(response(Answer::text(400, "bad request target"), &[]));
        return;
    }
    if auth == Auth::Query && (path == "/" || path == "/index.html") {
        // First load from the printed URL: keep the token in a cookie, drop it from the URL.
        let extra = [("Set-Cookie", shared.guard.set_cookie()), ("Location", "/".to_string())];
        let _ = req.respond(response(Answer::text(303, "see /"), &extra));
        return;
    }
    match shared.api.route(path, query) {
        Route::Answer(a) => {
            let _ = req.respond(response(a, &[]));
        }
        Route::Live => start_live(shared, req),
    }
}

/// Answers `/api/live` on a thread of its own: an event stream of `active` (the calls in
/// progress, when they change) and `changed` (the store's generation, when it changes).
fn start_live(shared: &Arc<Shared>, req: tiny_http::Request) {
    if shared.live_clients.fetch_add(1, Ordering::AcqRel) >= MAX_LIVE_CLIENTS {
        shared.live_clients.fetch_sub(1, Ordering::AcqRel);
        let _ = req.respond(response(Answer::text(503, "too many live views open"), &[]));
        return;
    }
    let s = Arc::clone(shared);
    let spawned = std::thread::Builder::new().name("patter-dashboard-live".into()).spawn(move || {
        let writer = req.into_writer();
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| stream_live(&s, writer)));
        s.live_clients.fetch_sub(1, Ordering::AcqRel);
    });
    match spawned {
        Ok(h) => shared.add_thread(h),
        Err(_) => {
            shared.live_clients.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

fn stream_live(shared: &Shared, mut w: Box<dyn Write + Send>) {
    let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n");
    for (k, v) in SECURITY_HEADERS {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if w.write_all(head.as_bytes()).and_then(|_| w.flush()).is_err() {
        return;
    }
    let (mut last_active, mut last_gen, mut last_write) = (String::new(), u64::MAX, Instant::now());
    while !shared.closed.load(Ordering::Acquire) {
        let mut msg = String::new();
        let generation = shared.api.store.generation();
        if generation != last_gen {
            last_gen = generation;
            msg.push_str(&format!("event: changed\ndata: {generation}\n\n"));
            let active = serde_json::to_string(&shared.api.active()).unwrap_or_else(|_| "[]".into());
            if active != last_active {
                msg.push_str(&format!("event: active\ndata: {active}\n\n"));
                last_active = active;
            }
        } else if last_write.elapsed() >= LIVE_KEEPALIVE {
            msg.push_str(": keep-alive\n\n");
        }
        if !msg.is_empty() {
            if w.write_all(msg.as_bytes()).and_then(|_| w.flush()).is_err() {
                return; // the page went away
            }
            last_write = Instant::now();
        }
        std::thread::sleep(LIVE_POLL);
    }
}

/// Starts the worker threads (each holds the server until it stops, so the listener closes
/// once they are joined and the owner lets go of it).
pub(crate) fn start_workers(shared: &Arc<Shared>, server: &Arc<tiny_http::Server>) -> std::io::Result<()> {
    for i in 0..WORKERS {
        let s = Arc::clone(shared);
        let server = Arc::clone(server);
        let h = std::thread::Builder::new().name(format!("patter-dashboard-{i}")).spawn(move || {
            while !s.closed.load(Ordering::Acquire) {
                match server.recv_timeout(RECV_WAIT) {
                    Ok(Some(req)) => {
                        let r = std::panic::catch_unwind(AssertUnwindSafe(|| handle(&s, req)));
                        if r.is_err() {
                            diagnostics::report(Level::Warn, Code::DashboardRequestFailed, || {
                                "a dashboard request failed unexpectedly; the server goes on".to_string()
                            });
                        }
                    }
                    Ok(None) => {}
                    Err(_) => std::thread::sleep(RECV_WAIT),
                }
            }
        })?;
        shared.add_thread(h);
    }
    Ok(())
}
