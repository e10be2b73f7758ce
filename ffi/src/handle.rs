//! Opaque handles as tokens: a handle is never dereferenced, it names an entry in a registry.
//!
//! Tokens come from one process-wide counter and are never reused, and their low bits carry the
//! handle's type. So a double free, a use after free or a handle of the wrong type is a lookup
//! miss that returns `PATTER_STATUS_INVALID_HANDLE`, never undefined behaviour. Entries are
//! `Arc`s: freeing a handle while another thread is still inside a call on it is safe (the
//! object lives until that call returns).

use crate::error::{FfiError, FfiResult};
use crate::status::patter_status;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

const TAG_BITS: usize = 4;
const TAG_MASK: usize = (1 << TAG_BITS) - 1;
const SHARDS: usize = 16;

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// The kinds of handle (the token's low bits). Values are never 0, so no token is NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum Kind {
    CallOptions = 1,
    Call = 2,
    Span = 3,
    TracingOptions = 4,
    Clock = 5,
    Store = 6,
    Logger = 7,
    Pricing = 8,
}

impl Kind {
    /// The C type name, for messages.
    pub(crate) fn c_name(self) -> &'static str {
        match self {
            Kind::CallOptions => "patter_call_options_t",
            Kind::Call => "patter_call_t",
            Kind::Span => "patter_span_t",
            Kind::TracingOptions => "patter_tracing_options_t",
            Kind::Clock => "patter_clock_t",
            Kind::Store => "patter_metrics_store_t",
            Kind::Logger => "patter_call_logger_t",
            Kind::Pricing => "patter_pricing_t",
        }
    }

    fn from_tag(tag: usize) -> Option<Kind> {
        [
            Kind::CallOptions,
            Kind::Call,
            Kind::Span,
            Kind::TracingOptions,
            Kind::Clock,
            Kind::Store,
            Kind::Logger,
            Kind::Pricing,
        ]
        .into_iter()
        .find(|k| *k as usize == tag)
    }
}

/// The live handles of one type.
pub(crate) struct Registry<T> {
    kind: Kind,
    shards: [RwLock<BTreeMap<usize, Arc<T>>>; SHARDS],
}

impl<T> Registry<T> {
    /// An empty registry for handles of `kind`.
    pub(crate) const fn new(kind: Kind) -> Self {
        Registry { kind, shards: [const { RwLock::new(BTreeMap::new()) }; SHARDS] }
    }

    fn shard(&self, token: usize) -> &RwLock<BTreeMap<usize, Arc<T>>> {
        &self.shards[(token >> TAG_BITS) % SHARDS]
    }

    /// Registers `value`; returns its new token (never 0).
    pub(crate) fn insert(&self, value: T) -> usize {
        self.insert_arc(Arc::new(value))
    }

    /// Registers an already shared `value`; returns its new token (never 0).
    pub(crate) fn insert_arc(&self, value: Arc<T>) -> usize {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let token = (id << TAG_BITS) | self.kind as usize;
        let mut shard = self.shard(token).write().unwrap_or_else(|p| p.into_inner());
        shard.insert(token, value);
        token
    }

    fn miss(&self, token: usize, arg: &str) -> FfiError {
        let msg = match Kind::from_tag(token & TAG_MASK) {
            _ if token == 0 => return FfiError::null(arg),
            Some(k) if k != self.kind => {
                format!("`{arg}` is a {}* where a {}* is expected", k.c_name(), self.kind.c_name())
            }
            _ => format!("`{arg}` is not a live {}* (already freed, or never created)", self.kind.c_name()),
        };
        FfiError::new(patter_status::PATTER_STATUS_INVALID_HANDLE, msg)
    }

    /// The object behind `token` (`arg` names the parameter in error messages).
    pub(crate) fn get(&self, token: usize, arg: &str) -> FfiResult<Arc<T>> {
        if token == 0 {
            return Err(FfiError::null(arg));
        }
        let shard = self.shard(token).read().unwrap_or_else(|p| p.into_inner());
        shard.get(&token).cloned().ok_or_else(|| self.miss(token, arg))
    }

    /// Unregisters `token` and returns its object (dropped by the caller, outside the lock).
    pub(crate) fn remove(&self, token: usize, arg: &str) -> FfiResult<Arc<T>> {
        if token == 0 {
            return Err(FfiError::null(arg));
        }
        let removed = {
            let mut shard = self.shard(token).write().unwrap_or_else(|p| p.into_inner());
            shard.remove(&token)
        };
        removed.ok_or_else(|| self.miss(token, arg))
    }
}

/// Converts a handle pointer to its token.
pub(crate) fn token<T>(p: *const T) -> usize {
    p as usize
}

/// Converts a token to a handle pointer (never dereferenced by anyone).
pub(crate) fn handle<T>(token: usize) -> *mut T {
    token as *mut T
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_free_and_wrong_kind_are_misses() {
        static A: Registry<u32> = Registry::new(Kind::Clock);
        static B: Registry<u32> = Registry::new(Kind::Store);
        let t = A.insert(5);
        assert_ne!(t, 0);
        assert_eq!(*A.get(t, "h").unwrap(), 5);
        let e = B.get(t, "h").unwrap_err();
        assert_eq!(e.status, patter_status::PATTER_STATUS_INVALID_HANDLE);
        assert!(e.message.contains("patter_clock_t* where a patter_metrics_store_t*"), "{}", e.message);
        assert!(A.remove(t, "h").is_ok());
        let e = A.remove(t, "h").unwrap_err();
        assert_eq!(e.status, patter_status::PATTER_STATUS_INVALID_HANDLE);
        assert!(e.message.contains("already freed"));
        assert_eq!(A.get(0, "h").unwrap_err().status, patter_status::PATTER_STATUS_NULL_POINTER);
        assert_eq!(A.get(12345 << 4 | 0xf, "h").unwrap_err().status, patter_status::PATTER_STATUS_INVALID_HANDLE);
        let t2 = A.insert(6);
        assert_ne!(t, t2, "tokens are never reused");
    }
}
