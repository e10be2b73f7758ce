//! W3C Trace Context (`traceparent`, `tracestate`): the rules every binding applies by calling
//! them, so a header is accepted or refused — with the same `InvalidArgument` message — in Rust,
//! Python, Node and C.
//!
//! In: a call joins the host's trace when it is given a `traceparent` (explicitly, or read by
//! the Python/Node binding from the host's current OpenTelemetry span: [`HostContext`]). Out:
//! [`format`] writes the header of a span for outgoing requests.
//!
//! The rules (documented in docs/call-api.md):
//! - `traceparent` is `version-traceid-parentid-flags`, lowercase hex only. Version `00`: exactly
//!   55 characters. A higher version (not `ff`) is read as W3C says for future versions: its
//!   first 55 characters as version 00, followed by nothing or by `-` and more; it is propagated
//!   as version `00`. The trace id (32 hex) and parent id (16 hex) must not be all zeros.
//!   Only the sampled (`01`) and random (`02`) flags are kept; the others are reserved.
//! - `tracestate` is at most 32 `key=value` members separated by commas (spaces and tabs around
//!   members ignored, empty members skipped), keys and values as W3C defines them, no key twice.
//!   It needs a `traceparent`. An empty string is the same as none, for both headers.
//! - An explicit `traceparent` wins over the host's context; a host context that is not valid
//!   (zero ids) is ignored, and a host `tracestate` that is not valid is dropped (the host's own
//!   tracer produced it; a call never fails on it).

use crate::{PatterError, Result};
use opentelemetry::trace::TraceState;

/// Flags kept from a parent: sampled (0x01) and random (0x02); the rest are reserved.
const KNOWN_FLAGS: u8 = 0x03;
/// The sampled flag.
pub const SAMPLED: u8 = 0x01;
/// Members a `tracestate` may have.
const MAX_MEMBERS: usize = 32;

/// A parent span context from a `traceparent` (and optional `tracestate`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParentContext {
    /// The trace the call joins.
    pub trace_id: [u8; 16],
    /// The parent span of the call span.
    pub span_id: [u8; 8],
    /// Trace flags (sampled, random).
    pub flags: u8,
    /// The vendors' `tracestate`, carried on the call's spans.
    pub trace_state: TraceState,
}

impl ParentContext {
    /// Whether the parent is sampled (else nothing of the call is exported).
    pub fn is_sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// The parent's own `traceparent` header (version 00).
    pub fn header(&self) -> String {
        format(&self.trace_id, &self.span_id, self.flags)
    }
}

/// The host's current span context, as its OpenTelemetry API holds it (converted, not
/// checked, by a binding; the core decides whether it is usable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostContext {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    flags: u8,
    tracestate: Option<String>,
}

impl HostContext {
    /// From the integer ids of OpenTelemetry Python (`SpanContext.trace_id`, `.span_id`,
    /// `.trace_flags`) and its `trace_state.to_header()`.
    pub fn from_ints(trace_id: u128, span_id: u64, flags: u32, tracestate: Option<String>) -> HostContext {
        HostContext {
            trace_id: trace_id.to_be_bytes(),
            span_id: span_id.to_be_bytes(),
            flags: (flags & 0xff) as u8,
            tracestate,
        }
    }

    /// From the hex ids of OpenTelemetry JS (`SpanContext.traceId`, `.spanId`, `.traceFlags`)
    /// and its `traceState.serialize()`. Ids that are not 32/16 lowercase hex digits make a
    /// context that is not valid (ignored).
    pub fn from_hex(trace_id: &str, span_id: &str, flags: u32, tracestate: Option<String>) -> HostContext {
        let mut t = [0u8; 16];
        let mut s = [0u8; 8];
        if !(hex_into(trace_id.as_bytes(), &mut t) && hex_into(span_id.as_bytes(), &mut s)) {
            t = [0; 16];
            s = [0; 8];
        }
        HostContext { trace_id: t, span_id: s, flags: (flags & 0xff) as u8, tracestate }
    }

    /// The parent this context gives, or None when it is not valid.
    fn parent(&self) -> Option<ParentContext> {
        if self.trace_id == [0; 16] || self.span_id == [0; 8] {
            return None;
        }
        let trace_state = match self.tracestate.as_deref().filter(|s| !s.is_empty()) {
            None => TraceState::NONE,
            Some(s) => parse_tracestate(s).unwrap_or(TraceState::NONE),
        };
        Some(ParentContext {
            trace_id: self.trace_id,
            span_id: self.span_id,
            flags: self.flags & KNOWN_FLAGS,
            trace_state,
        })
    }
}

/// `00-<trace id>-<span id>-<flags>` (lowercase hex).
pub fn format(trace_id: &[u8; 16], span_id: &[u8; 8], flags: u8) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(55);
    s.push_str("00-");
    for b in trace_id {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s.push('-');
    for b in span_id {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s.push('-');
    s.push(HEX[(flags >> 4) as usize] as char);
    s.push(HEX[(flags & 15) as usize] as char);
    s
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Lowercase hex `src` into `out` (exactly twice its length); false on any other character.
fn hex_into(src: &[u8], out: &mut [u8]) -> bool {
    if src.len() != out.len() * 2 {
        return false;
    }
    for (i, o) in out.iter_mut().enumerate() {
        match (hex_digit(src[2 * i]), hex_digit(src[2 * i + 1])) {
            (Some(h), Some(l)) => *o = (h << 4) | l,
            _ => return false,
        }
    }
    true
}

fn bad_traceparent(why: &str) -> PatterError {
    PatterError::invalid(
        "traceparent",
        format!(
            "must be a W3C traceparent \"00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>\" (lowercase): {why}"
        ),
    )
}

/// Parses a `traceparent` header (see the module rules); `InvalidArgument` on `traceparent`.
pub fn parse_traceparent(header: &str) -> Result<ParentContext> {
    let b = header.as_bytes();
    if b.len() < 55 {
        return Err(bad_traceparent(&format!("{} characters, expected 55", header.chars().count())));
    }
    let mut version = [0u8; 1];
    if b[2] != b'-' || !hex_into(&b[..2], &mut version) {
        return Err(bad_traceparent("the version is not two lowercase hex digits followed by '-'"));
    }
    match version[0] {
        0xff => return Err(bad_traceparent("version ff is not allowed")),
        0x00 if b.len() != 55 => {
            return Err(bad_traceparent(&format!("{} characters, expected 55 for version 00", header.chars().count())))
        }
        // A future version: its first 55 characters are read as version 00.
        _ if b.len() > 55 && b[55] != b'-' => {
            return Err(bad_traceparent("a later version must continue with '-' after the flags"))
        }
        _ => {}
    }
    let mut trace_id = [0u8; 16];
    if !hex_into(&b[3..35], &mut trace_id) || b[35] != b'-' {
        return Err(bad_traceparent("the trace id is not 32 lowercase hex digits followed by '-'"));
    }
    let mut span_id = [0u8; 8];
    if !hex_into(&b[36..52], &mut span_id) || b[52] != b'-' {
        return Err(bad_traceparent("the parent id is not 16 lowercase hex digits followed by '-'"));
    }
    let mut flags = [0u8; 1];
    if !hex_into(&b[53..55], &mut flags) {
        return Err(bad_traceparent("the flags are not two lowercase hex digits"));
    }
    if trace_id == [0; 16] {
        return Err(bad_traceparent("the trace id is all zeros"));
    }
    if span_id == [0; 8] {
        return Err(bad_traceparent("the parent id is all zeros"));
    }
    Ok(ParentContext { trace_id, span_id, flags: flags[0] & KNOWN_FLAGS, trace_state: TraceState::NONE })
}

fn bad_tracestate(why: String) -> PatterError {
    PatterError::invalid(
        "tracestate",
        format!("must be a W3C tracestate (up to 32 comma-separated key=value members): {why}"),
    )
}

/// A W3C `tracestate` key: `[a-z0-9][a-z0-9_*/-]{0,255}`, or `tenant@system` with a tenant of
/// up to 241 and a system of up to 14 such characters (the system starting with a letter).
fn valid_key(key: &str) -> bool {
    let simple = |k: &str, max: usize| {
        let b = k.as_bytes();
        !b.is_empty()
            && b.len() <= max
            && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
            && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'*' | b'/'))
    };
    match key.split_once('@') {
        None => simple(key, 256),
        Some((tenant, system)) => {
            simple(tenant, 241) && simple(system, 14) && system.as_bytes()[0].is_ascii_lowercase()
        }
    }
}

/// A W3C `tracestate` value: 1 to 256 printable ASCII characters but `,` and `=`, not ending in
/// a space.
fn valid_value(v: &str) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= 256
        && b.iter().all(|&c| (0x20..=0x7e).contains(&c) && c != b',' && c != b'=')
        && b[b.len() - 1] != b' '
}

/// Parses a `tracestate` header (see the module rules); `InvalidArgument` on `tracestate`.
pub fn parse_tracestate(header: &str) -> Result<TraceState> {
    let mut members: Vec<(&str, &str)> = Vec::new();
    for (i, m) in header.split(',').enumerate() {
        let m = m.trim_matches([' ', '\t']);
        if m.is_empty() {
            continue;
        }
        let Some((k, v)) = m.split_once('=') else {
            return Err(bad_tracestate(format!("member {} has no '='", i + 1)));
        };
        if !valid_key(k) {
            return Err(bad_tracestate(format!("member {} has an invalid key", i + 1)));
        }
        if !valid_value(v) {
            return Err(bad_tracestate(format!("member {} has an invalid value", i + 1)));
        }
        if members.iter().any(|(seen, _)| *seen == k) {
            return Err(bad_tracestate(format!("member {} repeats a key", i + 1)));
        }
        members.push((k, v));
        if members.len() > MAX_MEMBERS {
            return Err(bad_tracestate(format!("more than {MAX_MEMBERS} members")));
        }
    }
    TraceState::from_key_value(members).map_err(|e| bad_tracestate(e.to_string()))
}

/// An optional header option as the rules read it: an empty string is "not given".
fn given(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.is_empty())
}

/// Checks a `traceparent` option when it is set (bindings that take options one at a time, like
/// the C setters, report a bad header at once; `resolve_parent` applies the same rules).
pub fn check_traceparent_option(v: Option<&str>) -> Result<()> {
    given(v).map_or(Ok(()), |v| parse_traceparent(v).map(|_| ()))
}

/// Checks a `tracestate` option when it is set (see [`check_traceparent_option`]).
pub fn check_tracestate_option(v: Option<&str>) -> Result<()> {
    given(v).map_or(Ok(()), |v| parse_tracestate(v).map(|_| ()))
}

/// The parent of a call: an explicit `traceparent` (with its `tracestate`) first, else the
/// host's context when it is valid, else none (the call is a new trace).
pub fn resolve_parent(
    traceparent: Option<&str>,
    tracestate: Option<&str>,
    host: Option<&HostContext>,
) -> Result<Option<ParentContext>> {
    let traceparent = given(traceparent);
    let tracestate = given(tracestate);
    match (traceparent, tracestate) {
        (Some(tp), ts) => {
            let mut parent = parse_traceparent(tp)?;
            if let Some(ts) = ts {
                parent.trace_state = parse_tracestate(ts)?;
            }
            Ok(Some(parent))
        }
        (None, Some(_)) => Err(PatterError::invalid("tracestate", "needs traceparent")),
        (None, None) => Ok(host.and_then(HostContext::parent)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn err(r: Result<impl std::fmt::Debug>) -> (String, &'static str) {
        match r {
            Err(PatterError::InvalidArgument { name, reason }) => (reason, name),
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn parses_and_formats_version_00() {
        let p = parse_traceparent(TP).unwrap();
        assert_eq!(p.header(), TP);
        assert!(p.is_sampled());
        let p = parse_traceparent(&TP.replace("-01", "-00")).unwrap();
        assert!(!p.is_sampled());
        // Reserved flags are not propagated; random is.
        assert_eq!(parse_traceparent(&TP.replace("-01", "-ff")).unwrap().flags, 0x03);
    }

    #[test]
    fn refuses_what_w3c_refuses() {
        let cases = [
            "",
            "00",
            &TP.to_uppercase(),
            &TP.replace("4bf92f3577b34da6a3ce929d0e0e4736", "00000000000000000000000000000000"),
            &TP.replace("00f067aa0ba902b7", "0000000000000000"),
            &format!("xx{}", &TP[2..]),
            &format!("ff{}", &TP[2..]),
            &format!("{TP}-extra"),
            &TP.replace('-', "_"),
            &TP.replace("-01", "-1"),
            &TP.replace("a3ce", "a3cg"),
            &TP.replace("-01", "-0x"),
            &format!("{TP} "),
        ];
        for c in cases {
            if c.is_empty() {
                continue;
            }
            let (reason, name) = err(parse_traceparent(c));
            assert_eq!(name, "traceparent", "{c:?}");
            assert!(reason.starts_with("must be a W3C traceparent"), "{c:?}: {reason}");
        }
        assert_eq!(
            err(parse_traceparent(&TP.replace("00f067aa0ba902b7", "0000000000000000"))).0,
            "must be a W3C traceparent \"00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>\" (lowercase): \
             the parent id is all zeros"
        );
    }

    #[test]
    fn future_versions_are_read_as_00() {
        let v = format!("01{}", &TP[2..]);
        assert_eq!(parse_traceparent(&v).unwrap().header(), TP);
        assert_eq!(parse_traceparent(&format!("{v}-more-fields")).unwrap().header(), TP);
        err(parse_traceparent(&format!("{v}more")));
    }

    #[test]
    fn tracestate_rules() {
        assert_eq!(
            parse_tracestate("congo=t61rcWkgMzE, rojo=00f067aa0ba902b7").unwrap().header(),
            "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
        );
        assert_eq!(parse_tracestate("a@b=1,,\t c=2 ").unwrap().header(), "a@b=1,c=2");
        for bad in ["novalue", "UPPER=1", "k=v,k=w", "k=", "k=a=b", "1@2=x", "k=\u{e9}"] {
            assert_eq!(err(parse_tracestate(bad)).1, "tracestate", "{bad:?}");
        }
        let many: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
        err(parse_tracestate(&many.join(",")));
        assert!(parse_tracestate(&many[..32].join(",")).is_ok());
    }

    #[test]
    fn explicit_wins_then_host_then_none() {
        let host = HostContext::from_ints(0x1234, 0x56, 1, Some("x=1".into()));
        let p = resolve_parent(Some(TP), Some("a=1"), Some(&host)).unwrap().unwrap();
        assert_eq!((p.header().as_str(), p.trace_state.header().as_str()), (TP, "a=1"));
        let p = resolve_parent(None, None, Some(&host)).unwrap().unwrap();
        assert_eq!(p.header(), "00-00000000000000000000000000001234-0000000000000056-01");
        assert_eq!(p.trace_state.header(), "x=1");
        assert_eq!(resolve_parent(Some(""), Some(""), None).unwrap(), None);
        assert_eq!(err(resolve_parent(None, Some("a=1"), Some(&host))), ("needs traceparent".into(), "tracestate"));
        err(resolve_parent(Some(TP), Some("bad"), None));
        // Invalid host contexts are ignored; an invalid host tracestate is dropped.
        assert_eq!(resolve_parent(None, None, Some(&HostContext::from_ints(0, 5, 1, None))).unwrap(), None);
        assert_eq!(
            resolve_parent(None, None, Some(&HostContext::from_hex("zz", "00f067aa0ba902b7", 1, None))).unwrap(),
            None
        );
        let h = HostContext::from_hex("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1, Some("BAD".into()));
        let p = resolve_parent(None, None, Some(&h)).unwrap().unwrap();
        assert_eq!((p.header().as_str(), p.trace_state.header().as_str()), (TP, ""));
    }
}
