//! Provider, model and side names as `&'static str` span values, shared by every call.
//!
//! A span carries its provider, model and side as attribute values. A refcounted value costs
//! an atomic increment on the caller's thread and an atomic decrement on the export thread for
//! every span that carries it (the two threads taking turns at one cache line); a static one
//! costs neither. These names come from a small vocabulary (the providers and models an agent
//! uses), so each distinct name is kept for the life of the process, up to [`MAX_NAMES`] names
//! and [`MAX_BYTES`] bytes in all; past that, a name is a refcounted value as before. Call ids,
//! one per call, are never kept here.

use opentelemetry::StringValue;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Most distinct names kept.
pub(crate) const MAX_NAMES: usize = 1024;
/// Most bytes of names kept (the memory this module can hold, besides its set's slots).
pub(crate) const MAX_BYTES: usize = 64 * 1024;

/// The kept names and their bytes.
#[derive(Default)]
struct Names {
    set: HashSet<&'static str>,
    bytes: usize,
}

impl Names {
    /// The kept copy of `name`, kept now if there is room; None past the bounds.
    fn keep(&mut self, name: &str) -> Option<&'static str> {
        if let Some(kept) = self.set.get(name) {
            return Some(kept);
        }
        if self.set.len() >= MAX_NAMES || self.bytes + name.len() > MAX_BYTES {
            return None;
        }
        let kept: &'static str = Box::leak(Box::<str>::from(name));
        self.set.insert(kept);
        self.bytes += kept.len();
        Some(kept)
    }
}

static NAMES: Mutex<Option<Names>> = Mutex::new(None);

/// `name` as a span value: the kept static copy (kept now if there is room), else a refcounted
/// one. Never waits: while another thread holds the set (or held it across a `fork()`), the
/// name is refcounted this time.
pub(crate) fn value(name: &str) -> StringValue {
    let kept = NAMES.try_lock().ok().and_then(|mut names| names.get_or_insert_with(Names::default).keep(name));
    match kept {
        Some(kept) => StringValue::from(kept),
        None => StringValue::from(Arc::<str>::from(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_kept_once() {
        let mut names = Names::default();
        let a = names.keep("openai").unwrap();
        let b = names.keep(&String::from("openai")).unwrap();
        assert_eq!(a, "openai");
        assert!(std::ptr::eq(a, b), "the name was kept twice");
        assert_eq!((names.set.len(), names.bytes), (1, 6));
    }

    #[test]
    fn no_more_than_the_bounds_are_kept() {
        let mut names = Names::default();
        for i in 0..MAX_NAMES {
            assert!(names.keep(&format!("model-{i}")).is_some());
        }
        assert_eq!(names.keep("one-too-many"), None);
        assert!(names.keep("model-7").is_some(), "a kept name is still found");
        let mut names = Names::default();
        assert_eq!(names.keep(&"x".repeat(MAX_BYTES + 1)), None);
        assert!(names.keep(&"y".repeat(MAX_BYTES)).is_some());
        assert_eq!(names.keep("z"), None, "past the byte bound");
    }

    #[test]
    fn values_are_right_kept_or_not() {
        let kept = value("static-names-test");
        assert_eq!(kept.as_str(), "static-names-test");
        let long = "x".repeat(MAX_BYTES + 1);
        assert_eq!(value(&long).as_str(), long);
    }
}
