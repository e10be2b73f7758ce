//! `MetricsStore`: the newest calls in memory (ring buffer), rebuilt from disk by `hydrate`.

use crate::error::{IntoJs, Result};
use crate::records::{to_js_value, Json};
use crate::util::{off_thread, to_u64};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;
use patter_core::store::MetricsStore as CoreStore;
use std::sync::Arc;

/// Options of `new MetricsStore(…)`.
#[napi(object, object_to_js = false)]
pub struct MetricsStoreOptions {
    /// Finished calls kept (default 500, at least 1).
    pub capacity: Option<f64>,
    /// How caller/callee numbers are shown: `mask` (default), `full` or `hash_only`.
    #[napi(ts_type = "'mask' | 'full' | 'hash_only'")]
    pub redact_phone: Option<String>,
    /// Keys `hash_only` as an HMAC.
    pub hash_key: Option<String>,
}
crate::option_keys!(MetricsStoreOptions: capacity, redact_phone, hash_key);

/// Options of {@link MetricsStore.getCalls}.
#[napi(object, object_to_js = false)]
pub struct GetCallsOptions {
    /// At most this many calls (default 50).
    pub limit: Option<f64>,
    /// Skip this many of the newest first (default 0).
    pub offset: Option<f64>,
}
crate::option_keys!(GetCallsOptions: limit, offset);

/// The newest finished calls (default 500) plus the active ones, as the dashboard shows them.
/// Pass it as `store` in {@link CallOptions} to record calls live; `hydrate(root)` rebuilds it
/// from a call-log directory. Records use the field names of metadata.json.
#[napi]
pub struct MetricsStore {
    pub(crate) inner: Arc<CoreStore>,
}

#[napi]
impl MetricsStore {
    /// A store keeping the newest `capacity` finished calls.
    #[napi(constructor, strict, catch_unwind)]
    pub fn new(
        #[napi(ts_arg_type = "MetricsStoreOptions | undefined | null")] options: Option<
            crate::util::Known<MetricsStoreOptions>,
        >,
    ) -> Result<Self> {
        let (capacity, redact, key) = match options.map(|o| o.0) {
            Some(o) => (o.capacity.map(|c| to_u64("capacity", c)).transpose()?, o.redact_phone, o.hash_key),
            None => (None, None, None),
        };
        let config =
            patter_core::rules::store_options(capacity, redact.as_deref(), key.as_deref().map(str::as_bytes)).js()?;
        Ok(MetricsStore { inner: Arc::new(CoreStore::with_config(config)) })
    }

    /// Finished calls the store keeps at most.
    #[napi(getter, catch_unwind)]
    pub fn capacity(&self) -> f64 {
        self.inner.capacity() as f64
    }

    /// Finished calls held now.
    #[napi(getter, catch_unwind)]
    pub fn size(&self) -> f64 {
        self.inner.len() as f64
    }

    /// Finished calls, newest first, without transcripts.
    #[napi(strict, catch_unwind, ts_return_type = "CallSummary[]")]
    pub fn get_calls(
        &self,
        #[napi(ts_arg_type = "GetCallsOptions | undefined | null")] options: Option<
            crate::util::Known<GetCallsOptions>,
        >,
    ) -> Result<serde_json::Value> {
        let (limit, offset) = match options.map(|o| o.0) {
            Some(o) => (o.limit, o.offset),
            None => (None, None),
        };
        let limit = limit.map(|v| to_u64("limit", v)).transpose()?;
        let offset = offset.map(|v| to_u64("offset", v)).transpose()?;
        let (limit, offset) = patter_core::rules::page(limit, offset);
        to_js_value(&self.inner.get_calls(limit, offset))
    }

    /// One call with its transcript and events (finished or active), or null.
    #[napi(strict, catch_unwind, ts_return_type = "CallRecord | null")]
    pub fn get_call(&self, call_id: String) -> Result<serde_json::Value> {
        match self.inner.get_call(&call_id) {
            Some(r) => to_js_value(&r),
            None => Ok(serde_json::Value::Null),
        }
    }

    /// Calls in progress, oldest first.
    #[napi(catch_unwind, ts_return_type = "CallRecord[]")]
    pub fn get_active_calls(&self) -> Result<serde_json::Value> {
        to_js_value(&self.inner.get_active_calls())
    }

    /// Counts, cost totals, mean duration and latency percentiles over the finished calls.
    #[napi(catch_unwind, ts_return_type = "Aggregates")]
    pub fn get_aggregates(&self) -> Result<serde_json::Value> {
        to_js_value(&self.inner.get_aggregates())
    }

    /// Rebuilds the store from a call-log root (ours or the reference SDK's layout), off the JS
    /// thread. Idempotent (calls already held are skipped) and tolerant (what cannot be parsed
    /// is skipped). Resolves the number of calls added.
    #[napi(strict, catch_unwind, ts_return_type = "Promise<number>")]
    pub fn hydrate(&self, root: String) -> AsyncTask<HydrateTask> {
        AsyncTask::new(HydrateTask { store: self.inner.clone(), root, report: false })
    }

    /// Like {@link MetricsStore.hydrate} but resolves the full report (loaded, skipped,
    /// corrupt, …).
    #[napi(strict, catch_unwind, ts_return_type = "Promise<HydrateReport>")]
    pub fn hydrate_report(&self, root: String) -> AsyncTask<HydrateTask> {
        AsyncTask::new(HydrateTask { store: self.inner.clone(), root, report: true })
    }
}

pub struct HydrateTask {
    store: Arc<CoreStore>,
    root: String,
    report: bool,
}

#[napi]
impl Task for HydrateTask {
    type Output = serde_json::Value;
    type JsValue = Json;
    fn compute(&mut self) -> napi::Result<serde_json::Value> {
        let report = off_thread(|| self.store.hydrate_report(&self.root))?;
        if self.report {
            serde_json::to_value(report).map_err(|e| napi::Error::from_reason(e.to_string()))
        } else {
            Ok(serde_json::Value::from(report.loaded))
        }
    }
    fn resolve(&mut self, _env: Env, out: serde_json::Value) -> napi::Result<Json> {
        Ok(Json(out))
    }
}
