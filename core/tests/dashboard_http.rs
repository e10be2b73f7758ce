//! The dashboard's server through a real TCP client on loopback: the security checks (token,
//! Host, Origin, method, path traversal), the JSON API over a store with live and finished
//! calls, paging and filters, and the live event stream.

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::dashboard::{self, DashboardOptions, DashboardServer};
use patter_core::records::{AgentInfo, Direction};
use patter_core::store::MetricsStore;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends one raw request (`Connection: close`) and reads the whole answer.
fn raw(port: u16, request: &str) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = body.to_string();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Reply { status, headers, body }
}

fn dechunk(s: &str) -> String {
    let (mut out, mut rest) = (String::new(), s);
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    out
}

fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    raw(port, &req)
}

fn token_of(d: &DashboardServer) -> String {
    d.url().split("token=").nth(1).unwrap().to_string()
}

fn store_with_calls(live_id: &str) -> (Arc<MetricsStore>, Call) {
    let store = Arc::new(MetricsStore::new(100));
    for i in 0..7 {
        let dir = if i % 2 == 0 { Direction::Inbound } else { Direction::Outbound };
        let mut o = CallOptions::new(format!("CA-http-{i}"), dir, "pipeline");
        o.logger = Some(CallLogger::disabled());
        o.store = Some(store.clone());
        o.caller = Some("+15555550123".into());
        o.telephony_provider = Some("twilio".into());
        o.agent = AgentInfo { llm_provider: Some("openai".into()), ..AgentInfo::default() };
        let c = Call::start(o).unwrap();
        c.start_turn().unwrap();
        let mut stt = c.stt("deepgram", Some("nova-3")).unwrap();
        stt.transcript(&format!("hello number {i}"), Some(0.9), 1.0).unwrap();
        stt.end();
        let mut llm = c.llm("openai", Some("gpt-4o-mini"), 2).unwrap();
        llm.first_token().unwrap();
        llm.usage(100, 10, 0).unwrap();
        llm.end();
        let mut tts = c.tts("elevenlabs", "Hi there.", None).unwrap();
        tts.first_byte().unwrap();
        tts.end();
        c.end_turn().unwrap();
        c.end(if i == 3 { CallOutcome::Failed("timeout".into()) } else { CallOutcome::Completed }).unwrap();
    }
    let mut o = CallOptions::new(live_id, Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    o.store = Some(store.clone());
    let live = Call::start(o).unwrap();
    live.start_turn().unwrap();
    let mut stt = live.stt("deepgram", None).unwrap();
    stt.transcript("still talking", Some(0.9), 1.0).unwrap();
    stt.end();
    live.end_turn().unwrap();
    (store, live)
}

#[test]
fn security_checks_over_tcp() {
    let (store, live) = store_with_calls("CA-http-live-a");
    let d = dashboard::serve(store, &DashboardOptions::default()).unwrap();
    let port = d.port();
    assert!(d.url().starts_with(&format!("http://127.0.0.1:{port}/?token=")), "{}", d.url());
    let token = token_of(&d);
    assert_eq!(token.len(), 64);
    let host = format!("127.0.0.1:{port}");
    let bearer = format!("Bearer {token}");
    let cookie = format!("patter_dashboard_{port}={token}");

    // No token, wrong token: 401, and nothing of the data.
    let r = get(port, "/api/calls", &[("Host", &host)]);
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(!r.body.contains("CA-http"));
    assert_eq!(get(port, "/", &[("Host", &host)]).status, 401);
    assert_eq!(get(port, "/api/calls?token=0000", &[("Host", &host)]).status, 401);
    assert_eq!(get(port, "/api/calls", &[("Host", &host), ("Authorization", "Bearer nope")]).status, 401);
    assert_eq!(
        get(port, "/api/calls", &[("Host", &host), ("Cookie", &format!("patter_dashboard_{port}=x"))]).status,
        401
    );

    // Wrong Host (DNS rebinding): 421, even with the token.
    for h in ["evil.example", "evil.example:80", &format!("attacker.test:{port}"), "127.0.0.1:1"] {
        let r = get(port, "/api/calls", &[("Host", h), ("Authorization", &bearer)]);
        assert_eq!(r.status, 421, "{h}");
    }
    let r = raw(port, &format!("GET /api/calls HTTP/1.0\r\nAuthorization: {bearer}\r\n\r\n"));
    assert_eq!(r.status, 421, "no Host at all");

    // Cross-origin: 403; same origin passes.
    let r = get(port, "/api/calls", &[("Host", &host), ("Origin", "http://evil.example"), ("Cookie", &cookie)]);
    assert_eq!(r.status, 403);
    assert!(r.header("Access-Control-Allow-Origin").is_none());
    let same = format!("http://127.0.0.1:{port}");
    assert_eq!(get(port, "/api/calls", &[("Host", &host), ("Origin", &same), ("Cookie", &cookie)]).status, 200);

    // Read-only: other methods 405.
    for m in ["POST", "PUT", "DELETE", "OPTIONS", "HEAD"] {
        let r = raw(
            port,
            &format!("{m} /api/calls HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"),
        );
        assert_eq!(r.status, 405, "{m}");
        if m != "HEAD" {
            assert_eq!(r.header("Allow"), Some("GET"), "{m}");
        }
    }

    // Path traversal and unknown paths: 404, no file content.
    for p in [
        "/../Cargo.toml",
        "/..%2f..%2fCargo.toml",
        "/app.js/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/app.js",
    ] {
        let r = get(port, p, &[("Host", &host), ("Cookie", &cookie)]);
        assert!(r.status == 404 || r.status == 400, "{p}: {}", r.status);
        assert!(!r.body.contains("[package]") && !r.body.contains("root:"), "{p}");
    }

    // The printed URL: cookie (HttpOnly, SameSite=Strict) and a redirect that drops the token.
    let r = get(port, &format!("/?token={token}"), &[("Host", &format!("localhost:{port}"))]);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("Location"), Some("/"));
    let set = r.header("Set-Cookie").unwrap();
    assert!(
        set.starts_with(&format!("{cookie};")) && set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );

    // Happy path: the page and the JSON, with the security headers and no CORS.
    let page = get(port, "/", &[("Host", &host), ("Cookie", &cookie)]);
    assert_eq!(page.status, 200);
    assert!(page.header("Content-Type").unwrap().starts_with("text/html"));
    assert!(page.body.contains("<script src=\"/app.js\""));
    let csp = page.header("Content-Security-Policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.header("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(page.header("X-Frame-Options"), Some("DENY"));
    assert!(page.headers.iter().all(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-")));
    for asset in ["/app.js", "/app.css"] {
        assert_eq!(get(port, asset, &[("Host", &host), ("Cookie", &cookie)]).status, 200, "{asset}");
    }
    let r = get(port, "/api/calls", &[("Host", &host), ("Cookie", &cookie)]);
    assert_eq!(r.status, 200);
    assert!(r.header("Content-Type").unwrap().starts_with("application/json"));
    assert_eq!(r.json()["total"], 7);

    live.end(CallOutcome::Completed).unwrap();
    d.close();
    d.close();
    let t = std::time::Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(t.elapsed() < Duration::from_secs(5), "the listener is closed by close()");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_api_pages_filters_and_streams() {
    let (store, live) = store_with_calls("CA-http-live");
    let d = dashboard::serve(store.clone(), &DashboardOptions::from_port(Some(0)).unwrap()).unwrap();
    let port = d.port();
    let host = format!("127.0.0.1:{port}");
    let bearer = format!("Bearer {}", token_of(&d));
    let h = [("Host", host.as_str()), ("Authorization", bearer.as_str())];
    let api = |path: &str| {
        let r = get(port, path, &h);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.json()
    };

    let info = api("/api/info");
    assert_eq!(info["mode"], "live");
    assert_eq!(info["finished"], 7);
    assert_eq!(info["active"], 1);

    let page = api("/api/calls?limit=3&offset=0");
    assert_eq!(page["total"], 7);
    assert_eq!(page["calls"].as_array().unwrap().len(), 3);
    assert_eq!(page["calls"][0]["call_id"], "CA-http-6", "newest first");
    assert_eq!(page["calls"][0]["caller"], "***0123", "numbers as the store holds them (masked)");
    let last = api("/api/calls?limit=3&offset=6");
    assert_eq!(last["calls"].as_array().unwrap().len(), 1);
    assert_eq!(api("/api/calls?direction=outbound")["total"], 3);
    assert_eq!(api("/api/calls?status=failed")["calls"][0]["call_id"], "CA-http-3");
    assert_eq!(api("/api/calls?q=http-5")["total"], 1);
    assert_eq!(api("/api/calls?q=HTTP-5&direction=inbound")["total"], 0);
    assert_eq!(get(port, "/api/calls?limit=x", &h).status, 400);
    assert_eq!(api("/api/calls?limit=100000")["limit"], 500);

    let one = api("/api/call?id=CA-http-2");
    assert_eq!(one["call"]["call_id"], "CA-http-2");
    assert_eq!(one["call"]["transcript"][0]["text"], "hello number 2");
    let turns = one["waterfall"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1);
    let stages: Vec<&str> =
        turns[0]["stages"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(stages.contains(&"llm ttft") && stages.contains(&"tts first byte"), "{stages:?}");
    assert_eq!(get(port, "/api/call?id=nope", &h).status, 404);
    assert_eq!(get(port, "/api/call", &h).status, 400);

    let stats = api("/api/stats");
    assert_eq!(stats["aggregates"]["total_calls"], 7);
    assert_eq!(stats["timeline"]["bucket"], "hour");
    assert!(stats["timeline"]["providers"].as_array().unwrap().iter().any(|p| p == "openai (llm)"), "{stats}");
    assert_eq!(api("/api/active")[0]["call_id"], "CA-http-live");
    assert_eq!(api("/api/active")[0]["last_lines"][0]["text"], "still talking");

    // The live stream: the current state at once, then a change when the live call ends.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET /api/live HTTP/1.1\r\nHost: {host}\r\nAuthorization: {bearer}\r\n\r\n").unwrap();
    let mut rd = BufReader::new(s);
    let mut line = String::new();
    rd.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    let mut seen = String::new();
    while !seen.contains("CA-http-live") {
        line.clear();
        assert!(rd.read_line(&mut line).unwrap() > 0, "stream closed: {seen}");
        seen.push_str(&line);
    }
    assert!(seen.to_ascii_lowercase().contains("content-type: text/event-stream"), "{seen}");
    assert!(seen.contains("event: active"), "{seen}");
    live.end(CallOutcome::Completed).unwrap();
    let mut after = String::new();
    while !after.contains("data: []") {
        line.clear();
        assert!(rd.read_line(&mut line).unwrap() > 0, "stream closed: {after}");
        after.push_str(&line);
    }
    assert!(after.contains("event: changed"), "{after}");
    assert_eq!(api("/api/stats")["aggregates"]["total_calls"], 8, "the stats cache follows the store");
    let t = std::time::Instant::now();
    d.close();
    assert!(t.elapsed() < Duration::from_secs(3), "close joins the stream thread promptly");
}

#[test]
fn ports_are_checked_and_a_busy_port_is_an_error() {
    assert!(DashboardOptions::from_port(Some(70_000)).is_err());
    let d = dashboard::serve(Arc::new(MetricsStore::new(1)), &DashboardOptions::default()).unwrap();
    let again = dashboard::serve(Arc::new(MetricsStore::new(1)), &DashboardOptions { port: Some(d.port()) });
    assert!(matches!(again, Err(patter_core::PatterError::Io { .. })), "{again:?}");
    assert!(dashboard::serve_dir(std::path::Path::new("/nonexistent/patter"), &DashboardOptions::default()).is_err());
}

#[test]
fn a_directory_is_served_and_new_calls_appear() {
    let root = std::env::temp_dir().join(format!("patter-dash-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let persist = patter_core::config::Persist::Path(root.display().to_string());
    let logger = CallLogger::new(&persist, &patter_core::config::MapEnv::default()).unwrap();
    let write = |id: &str| {
        let mut o = CallOptions::new(id, Direction::Inbound, "pipeline");
        o.logger = Some(logger.clone());
        Call::start(o).unwrap().end(CallOutcome::Completed).unwrap();
        assert!(logger.flush_timeout(Duration::from_secs(10)));
    };
    write("CA-dir-1");
    write("CA-dir-2");
    let d = dashboard::serve_dir(&root, &DashboardOptions::default()).unwrap();
    let (port, bearer) = (d.port(), format!("Bearer {}", token_of(&d)));
    let host = format!("127.0.0.1:{port}");
    let total = || get(port, "/api/calls", &[("Host", &host), ("Authorization", &bearer)]).json()["total"].clone();
    assert_eq!(total(), 2);
    let info = get(port, "/api/info", &[("Host", &host), ("Authorization", &bearer)]).json();
    assert_eq!(info["mode"], "snapshot");
    assert_eq!(info["capacity"], dashboard::SNAPSHOT_CAPACITY);
    write("CA-dir-3");
    let t = std::time::Instant::now();
    while total() != 3 {
        assert!(t.elapsed() < dashboard::REFRESH_INTERVAL * 3, "the new call appears after a refresh");
        std::thread::sleep(Duration::from_millis(200));
    }
    let one = get(port, "/api/call?id=CA-dir-3", &[("Host", &host), ("Authorization", &bearer)]);
    assert_eq!(one.status, 200);
    drop(d);
    let _ = std::fs::remove_dir_all(&root);
}
