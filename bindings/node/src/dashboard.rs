//! `serveDashboard(store, { port })`: the core's local dashboard over a MetricsStore, and
//! `cliMain(args)`: the `patter` command line writing straight to the process's stdout/stderr.

use crate::error::{IntoJs, Result};
use crate::store::MetricsStore;
use crate::util::to_u64;
use napi_derive::napi;
use patter_core::dashboard::{self, DashboardOptions, DashboardServer as CoreServer};

/// Options of {@link serveDashboard}.
#[napi(object, object_to_js = false, js_name = "DashboardOptions")]
pub struct DashboardOptionsJs {
    /// TCP port on 127.0.0.1 (default 0: a free port).
    pub port: Option<f64>,
}
crate::option_keys!(DashboardOptionsJs: port);

/// A running dashboard: open `url` (it carries the access token); `close()` stops it.
#[napi]
pub struct DashboardServer {
    inner: CoreServer,
}

#[napi]
impl DashboardServer {
    /// `http://127.0.0.1:<port>/?token=<token>`.
    #[napi(getter, catch_unwind)]
    pub fn url(&self) -> String {
        self.inner.url().to_string()
    }

    /// The port it listens on.
    #[napi(getter, catch_unwind)]
    pub fn port(&self) -> u32 {
        u32::from(self.inner.port())
    }

    /// Whether `close()` was called.
    #[napi(getter, catch_unwind)]
    pub fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Stops the server and joins its threads (within about half a second). Idempotent.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.inner.close();
    }
}

/// Serves the dashboard over `store` on 127.0.0.1, on threads of the core's own (never the JS
/// thread). Calls of this process appear live.
#[napi(strict, catch_unwind)]
pub fn serve_dashboard(
    store: &MetricsStore,
    #[napi(ts_arg_type = "DashboardOptions | undefined | null")] options: Option<
        crate::util::Known<DashboardOptionsJs>,
    >,
) -> Result<DashboardServer> {
    let port = options.and_then(|o| o.0.port).map(|p| to_u64("port", p)).transpose()?;
    let opts = DashboardOptions::from_port(port).js()?;
    let inner = dashboard::serve(store.inner.clone(), &opts).js()?;
    Ok(DashboardServer { inner })
}

/// Runs the `patter` command line, writing to the process's stdout/stderr as it goes, and
/// returns the exit status (`npx patter`). `dashboard` blocks until the process is interrupted.
#[napi(strict, catch_unwind)]
pub fn cli_main(args: Vec<String>) -> i32 {
    patter_core::cli::run(&args, &mut std::io::stdout().lock(), &mut std::io::stderr().lock())
}
