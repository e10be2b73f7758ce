//! The local dashboard: one page (HTML, JS and CSS embedded in the library, no CDN, works
//! offline) and a read-only JSON API over a [`MetricsStore`], served by the core's own small
//! HTTP server on threads of its own.
//!
//! * [`serve`]: the store of a running host process (`patter.dashboard.serve(store)` in Python,
//!   `serveDashboard(store)` in Node): calls in progress are pushed to the page live (SSE).
//! * [`serve_dir`]: a call-log directory (`patter dashboard --dir D`): the newest
//!   [`SNAPSHOT_CAPACITY`] calls are read once, then the newest day is re-read every
//!   [`REFRESH_INTERVAL`] so new calls appear.
//!
//! Secure by default (see [`security`]): bound to 127.0.0.1 only, a random token in the URL
//! (then an `HttpOnly; SameSite=Strict` cookie), `Host` and `Origin` checked, GET only, no CORS,
//! a strict Content-Security-Policy. Phone numbers are shown as the store holds them (masked or
//! hashed by default).

mod api;
pub mod security;
mod server;

pub use self::api::{Mode, ACTIVE_TAIL_LINES, DEFAULT_PAGE};
pub use self::server::{LIVE_KEEPALIVE, LIVE_POLL, MAX_LIVE_CLIENTS, WORKERS};

use self::server::Shared;
use crate::store::{MetricsStore, StoreConfig};
use crate::{PatterError, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The only address the dashboard listens on.
pub const BIND_ADDRESS: &str = "127.0.0.1";
/// The default port: 0, a free port chosen by the system.
pub const DEFAULT_PORT: u16 = 0;
/// Calls `serve_dir` keeps in memory (the newest; older ones are not listed).
pub const SNAPSHOT_CAPACITY: usize = 100_000;
/// How often `serve_dir` looks for new calls on disk.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(5);
/// Day directories `serve_dir` re-reads on each refresh (today and yesterday, for midnight).
pub const REFRESH_DAYS: usize = 2;

/// Dashboard options (everything has a default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardOptions {
    /// TCP port on 127.0.0.1; None or 0: a free port.
    pub port: Option<u16>,
}

impl DashboardOptions {
    /// Options from a binding's port number: None or an integer in `0..=65535`.
    pub fn from_port(port: Option<u64>) -> Result<Self> {
        let port = port
            .map(|p| u16::try_from(p).map_err(|_| PatterError::invalid("port", format!("{p} is not in 0..=65535"))))
            .transpose()?;
        Ok(DashboardOptions { port })
    }
}

/// A running dashboard. Dropping it (or [`close`](Self::close)) stops the server and joins its
/// threads.
pub struct DashboardServer {
    shared: Arc<Shared>,
    server: Mutex<Option<Arc<tiny_http::Server>>>,
    url: String,
    port: u16,
}

impl std::fmt::Debug for DashboardServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardServer").field("port", &self.port).finish_non_exhaustive()
    }
}

impl DashboardServer {
    /// The URL to open, token included: `http://127.0.0.1:<port>/?token=<64 hex digits>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Stops serving: the workers, event streams and refresher finish (within about half a
    /// second) and are joined, then the listening socket is closed. Idempotent.
    pub fn close(&self) {
        if self.shared.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let threads = std::mem::take(&mut *self.shared.threads.lock().unwrap_or_else(|p| p.into_inner()));
        let me = std::thread::current().id();
        for h in threads {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
        // The workers held the other references: dropping this one closes the listener.
        drop(self.server.lock().unwrap_or_else(|p| p.into_inner()).take());
    }

    /// Blocks until [`close`](Self::close) is called elsewhere or `timeout` passes; returns
    /// whether it is closed. (The `patter dashboard` command waits with it.)
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let until = std::time::Instant::now() + timeout;
        while !self.is_closed() {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
        true
    }
}

impl Drop for DashboardServer {
    fn drop(&mut self) {
        self.close();
    }
}

fn start(
    store: Arc<MetricsStore>,
    opts: &DashboardOptions,
    mode: Mode,
    root: Option<PathBuf>,
) -> Result<DashboardServer> {
    let token =
        security::new_token().map_err(|e| PatterError::State(format!("no randomness for the dashboard token: {e}")))?;
    let port = opts.port.unwrap_or(DEFAULT_PORT);
    let listener = std::net::TcpListener::bind((BIND_ADDRESS, port))
        .map_err(|e| PatterError::io(format!("{BIND_ADDRESS}:{port}"), &e))?;
    let port = listener.local_addr().map_err(|e| PatterError::io(format!("{BIND_ADDRESS}:{port}"), &e))?.port();
    let http = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| PatterError::Io { path: format!("{BIND_ADDRESS}:{port}"), reason: e.to_string() })?;
    let url = format!("http://{BIND_ADDRESS}:{port}/?token={token}");
    let api = api::Api::new(Arc::clone(&store), mode, root.as_ref().map(|r| r.display().to_string()));
    let shared = Arc::new(Shared::new(security::Guard::new(token, port), api));
    let http = Arc::new(http);
    let dash = DashboardServer { shared: Arc::clone(&shared), server: Mutex::new(Some(Arc::clone(&http))), url, port };
    server::start_workers(&shared, &http)
        .map_err(|e| PatterError::State(format!("cannot start the dashboard's threads: {e}")))?;
    if let Some(root) = root {
        let s = Arc::clone(&shared);
        let h = std::thread::Builder::new()
            .name("patter-dashboard-refresh".into())
            .spawn(move || {
                let mut waited = Duration::ZERO;
                while !s.closed.load(Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(200));
                    waited += Duration::from_millis(200);
                    if waited >= REFRESH_INTERVAL {
                        waited = Duration::ZERO;
                        s.api.store.hydrate_recent(&root, REFRESH_DAYS);
                    }
                }
            })
            .map_err(|e| PatterError::State(format!("cannot start the dashboard's threads: {e}")))?;
        shared.add_thread(h);
    }
    Ok(dash)
}

/// Serves the dashboard over a host process's `store` (live mode: calls in progress are
/// streamed to the page). Returns once the server listens; it runs on threads of its own.
pub fn serve(store: Arc<MetricsStore>, opts: &DashboardOptions) -> Result<DashboardServer> {
    start(store, opts, Mode::Live, None)
}

/// Serves the dashboard over the call log under `root` (`patter dashboard --dir`): reads the
/// newest [`SNAPSHOT_CAPACITY`] calls (their metadata only; a call's transcript and events are
/// read when it is opened), then looks for new ones every [`REFRESH_INTERVAL`].
pub fn serve_dir(root: &Path, opts: &DashboardOptions) -> Result<DashboardServer> {
    if !root.is_dir() {
        return Err(PatterError::Io { path: root.display().to_string(), reason: "not a directory".into() });
    }
    let store =
        Arc::new(MetricsStore::with_config(StoreConfig { capacity: SNAPSHOT_CAPACITY, ..StoreConfig::default() }));
    store.hydrate(root);
    start(store, opts, Mode::Snapshot, Some(root.to_path_buf()))
}
