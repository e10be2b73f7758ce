//! Filtering and paging the finished calls for a list view (the dashboard's call list): done in
//! memory over the summaries the store holds, so a page of a 20,000-call store costs one pass
//! over 20,000 small structs and never touches the disk.

use super::record::CallSummary;
use serde::Serialize;

/// The most calls one page holds.
pub const MAX_PAGE: usize = 500;

/// Which calls a list shows. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// `inbound` / `outbound` (exact).
    pub direction: Option<String>,
    /// The outcome: `completed`, `failed`, `abandoned`, … (exact).
    pub status: Option<String>,
    /// Text the call id contains (ASCII case-insensitive).
    pub id_contains: Option<String>,
}

impl CallFilter {
    /// Whether `s` passes the filter.
    pub fn matches(&self, s: &CallSummary) -> bool {
        if self.direction.as_deref().is_some_and(|d| !d.is_empty() && s.direction != d) {
            return false;
        }
        if self.status.as_deref().is_some_and(|st| !st.is_empty() && s.status != st) {
            return false;
        }
        match self.id_contains.as_deref() {
            Some(q) if !q.is_empty() => contains_ignore_ascii_case(&s.call_id, q),
            _ => true,
        }
    }
}

fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || (n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)))
}

/// One page of a filtered call list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallPage {
    /// Calls that match the filter (all pages).
    pub total: usize,
    /// Matches skipped before this page.
    pub offset: usize,
    /// The page size asked for (after the cap).
    pub limit: usize,
    /// This page, newest first.
    pub calls: Vec<CallSummary>,
}

/// Filters `calls` (newest first) and returns the page `[offset, offset + limit)`.
pub(crate) fn page<'a>(
    calls: impl Iterator<Item = &'a CallSummary>,
    filter: &CallFilter,
    offset: usize,
    limit: usize,
) -> CallPage {
    let limit = limit.min(MAX_PAGE);
    let mut total = 0usize;
    let mut out = Vec::with_capacity(limit.min(64));
    for s in calls.filter(|s| filter.matches(s)) {
        if total >= offset && out.len() < limit {
            out.push(s.clone());
        }
        total += 1;
    }
    CallPage { total, offset, limit, calls: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_search_ignores_ascii_case() {
        assert!(contains_ignore_ascii_case("CA-demo-0001", "demo-00"));
        assert!(contains_ignore_ascii_case("CA-demo-0001", "ca-DEMO"));
        assert!(!contains_ignore_ascii_case("CA", "CAB"));
        assert!(contains_ignore_ascii_case("CA", ""));
    }
}
