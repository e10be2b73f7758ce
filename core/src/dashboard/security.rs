//! The dashboard's front door. Every request passes [`Guard::check`] before anything else:
//!
//! 1. `Host` must be the bound address or `localhost`, with the bound port (a DNS-rebinding
//!    page reaches the server under its own host name): else `421 Misdirected Request`;
//! 2. an `Origin` header, when present, must be this very origin (a page of another site
//!    cannot use the API from a browser): else `403`;
//! 3. only `GET` (the API is read-only): else `405`;
//! 4. the token: from the `HttpOnly; SameSite=Strict` cookie set after the first load, from
//!    `?token=` (the printed URL; the page is then redirected to drop it from the address bar)
//!    or from `Authorization: Bearer` (scripts): else `401`.
//!
//! The token is 32 bytes from the operating system's CSPRNG, compared in constant time.

use std::fmt::Write;

/// Bytes of randomness in a token (64 hex digits).
pub const TOKEN_BYTES: usize = 32;

/// A fresh token: [`TOKEN_BYTES`] bytes of the OS CSPRNG, hex. Fails only when the OS has no
/// randomness to give (there is no weaker fallback).
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut b = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut b)?;
    Ok(b.iter().fold(String::with_capacity(2 * TOKEN_BYTES), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    }))
}

/// Whether `a == b`, in time that depends only on their lengths.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a request is refused: its status and a one-line reason (plain text, no request data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub reason: &'static str,
}

/// How a request proved it knows the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The cookie.
    Cookie,
    /// `?token=` in the URL (the page load answers with the cookie and a redirect).
    Query,
    /// `Authorization: Bearer`.
    Bearer,
}

/// The checks of one server: its token and port.
#[derive(Debug, Clone)]
pub struct Guard {
    token: String,
    port: u16,
    cookie_name: String,
}

impl Guard {
    /// A guard for a server on 127.0.0.1:`port` with `token`.
    pub fn new(token: String, port: u16) -> Self {
        // Cookies are not kept apart by port: one name per port so two dashboards on one
        // machine do not overwrite each other's cookie.
        Guard { token, port, cookie_name: format!("patter_dashboard_{port}") }
    }

    /// The name of the session cookie.
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// The `Set-Cookie` value that carries the token.
    pub fn set_cookie(&self) -> String {
        format!("{}={}; Path=/; HttpOnly; SameSite=Strict", self.cookie_name, self.token)
    }

    fn host_ok(&self, host: &str) -> bool {
        let Some((name, port)) = host.rsplit_once(':') else { return false };
        port.parse::<u16>().ok() == Some(self.port) && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
    }

    fn origin_ok(&self, origin: &str) -> bool {
        origin.strip_prefix("http://").is_some_and(|h| self.host_ok(h))
    }

    fn token_ok(&self, candidate: &str) -> bool {
        same_secret(candidate.as_bytes(), self.token.as_bytes())
    }

    /// Checks a request (`header(name)` returns a header's value, case-insensitive name;
    /// `query_token` is the decoded `token` query parameter).
    pub fn check(
        &self,
        method: &str,
        header: &dyn Fn(&str) -> Option<String>,
        query_token: Option<&str>,
    ) -> Result<Auth, Refusal> {
        if !header("host").is_some_and(|h| self.host_ok(h.trim())) {
            return Err(Refusal {
                status: 421,
                reason: "this server answers only to its own address (127.0.0.1 or localhost with its port)",
            });
        }
        if let Some(o) = header("origin") {
            if !self.origin_ok(o.trim()) {
                return Err(Refusal { status: 403, reason: "cross-origin requests are refused" });
            }
        }
        if method != "GET" {
            return Err(Refusal { status: 405, reason: "the dashboard is read-only: GET only" });
        }
        if let Some(t) = query_token {
            return if self.token_ok(t) {
                Ok(Auth::Query)
            } else {
                Err(Refusal { status: 401, reason: "wrong token: open the URL printed when the dashboard started" })
            };
        }
        if let Some(v) = header("authorization") {
            if let Some(t) = v.trim().strip_prefix("Bearer ") {
                if self.token_ok(t.trim()) {
                    return Ok(Auth::Bearer);
                }
            }
            return Err(Refusal { status: 401, reason: "wrong token" });
        }
        if let Some(c) = header("cookie") {
            for pair in c.split(';') {
                if let Some((k, v)) = pair.trim().split_once('=') {
                    if k == self.cookie_name && self.token_ok(v) {
                        return Ok(Auth::Cookie);
                    }
                }
            }
        }
        Err(Refusal { status: 401, reason: "no token: open the URL printed when the dashboard started" })
    }
}

/// Headers every response carries: a strict Content-Security-Policy (only this origin's script,
/// style and API; no framing), no MIME sniffing, no framing, no referrer, no caching. No CORS
/// header is ever sent.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn hdrs(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.to_string())
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_checks_in_order() {
        let g = Guard::new("t0k".into(), 8123);
        let ok = hdrs(&[("Host", "127.0.0.1:8123"), ("Cookie", "a=b; patter_dashboard_8123=t0k")]);
        assert_eq!(g.check("GET", &ok, None), Ok(Auth::Cookie));
        assert_eq!(g.check("GET", &hdrs(&[("Host", "localhost:8123")]), Some("t0k")), Ok(Auth::Query));
        let bearer = hdrs(&[("Host", "LOCALHOST:8123"), ("Authorization", "Bearer t0k")]);
        assert_eq!(g.check("GET", &bearer, None), Ok(Auth::Bearer));
        for host in ["evil.example:8123", "127.0.0.1:8124", "127.0.0.1", "127.0.0.1.evil:8123", ""] {
            let h = move |k: &str| (k == "host").then(|| host.to_string());
            assert_eq!(g.check("GET", &h, Some("t0k")).unwrap_err().status, 421, "{host}");
        }
        let cross = hdrs(&[("Host", "127.0.0.1:8123"), ("Origin", "http://evil.example")]);
        assert_eq!(g.check("GET", &cross, Some("t0k")).unwrap_err().status, 403);
        let null = hdrs(&[("Host", "127.0.0.1:8123"), ("Origin", "null")]);
        assert_eq!(g.check("GET", &null, Some("t0k")).unwrap_err().status, 403);
        let same = hdrs(&[("Host", "127.0.0.1:8123"), ("Origin", "http://127.0.0.1:8123")]);
        assert_eq!(g.check("GET", &same, Some("t0k")), Ok(Auth::Query));
        assert_eq!(g.check("POST", &same, Some("t0k")).unwrap_err().status, 405);
        let host = hdrs(&[("Host", "127.0.0.1:8123")]);
        assert_eq!(g.check("GET", &host, None).unwrap_err().status, 401);
        assert_eq!(g.check("GET", &host, Some("t0K")).unwrap_err().status, 401);
        let wrong_cookie = hdrs(&[("Host", "127.0.0.1:8123"), ("Cookie", "patter_dashboard_9999=t0k")]);
        assert_eq!(g.check("GET", &wrong_cookie, None).unwrap_err().status, 401);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
    }
}
