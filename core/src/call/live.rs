//! The process's live calls by (call id, side). Two live calls with the same id and side would
//! write one call directory and one store entry, and one outcome would be lost, so
//! [`Call::start`](super::Call::start) rejects the second with `InvalidArgument` on
//! `call_id`. The id is free again once the first call has ended (or was abandoned).

use crate::{PatterError, Result};
use std::collections::HashSet;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Mutex;

/// The live set of one process generation (see [`crate::fork`]): a forked child builds its own
/// and never locks the one it inherited (a thread that no longer exists may hold its lock).
struct Registry {
    generation: u64,
    set: Mutex<HashSet<(String, String)>>,
}

static CURRENT: AtomicPtr<Registry> = AtomicPtr::new(std::ptr::null_mut());

fn registry() -> &'static Registry {
    crate::fork::watch();
    let generation = crate::fork::generation();
    loop {
        let p = CURRENT.load(Ordering::Acquire);
        // SAFETY: registries are leaked, never freed, so a published pointer stays valid.
        if let Some(r) = unsafe { p.as_ref() }.filter(|r| r.generation == generation) {
            return r;
        }
        let fresh = Box::into_raw(Box::new(Registry { generation, set: Mutex::new(HashSet::new()) }));
        match CURRENT.compare_exchange(p, fresh, Ordering::AcqRel, Ordering::Acquire) {
            // The inherited registry is leaked on purpose (its lock may be held forever).
            // SAFETY: just published; never freed.
            Ok(_) => return unsafe { &*fresh },
            // SAFETY: `fresh` was never published.
            Err(_) => drop(unsafe { Box::from_raw(fresh) }),
        }
    }
}

/// A claim on (call id, side) held while the call is live; dropping it frees the pair.
#[derive(Debug)]
pub(crate) struct LiveClaim {
    key: Option<(String, String)>,
    generation: u64,
}

impl LiveClaim {
    /// Claims (call id, side), or fails when a live call already holds it.
    pub(crate) fn claim(call_id: &str, side: &str) -> Result<LiveClaim> {
        let r = registry();
        let key = (call_id.to_string(), side.to_string());
        let mut set = r.set.lock().unwrap_or_else(|p| p.into_inner());
        if set.contains(&key) {
            return Err(PatterError::invalid(
                "call_id",
                format!(
                    "a live call with this id already exists on side {side:?}; end it first or use another id or side"
                ),
            ));
        }
        set.insert(key.clone());
        Ok(LiveClaim { key: Some(key), generation: r.generation })
    }
}

impl Drop for LiveClaim {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let r = registry();
        // A call inherited through fork() belongs to the parent's set, not this process's.
        if r.generation == self.generation {
            r.set.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_claim_fails_until_the_first_is_dropped() {
        let a = LiveClaim::claim("live-test-1", "uut").unwrap();
        let err = LiveClaim::claim("live-test-1", "uut").unwrap_err();
        assert!(matches!(err, PatterError::InvalidArgument { name: "call_id", .. }), "{err}");
        let other_side = LiveClaim::claim("live-test-1", "agent").unwrap();
        drop(a);
        let again = LiveClaim::claim("live-test-1", "uut").unwrap();
        drop((again, other_side));
    }
}
