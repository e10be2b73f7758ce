//! The `patter` command line: look at the calls a log root holds, from any language.
//!
//! ```text
//! patter calls [--dir D] [--since 1d] [--limit N] [--json]
//! patter show CALL_ID [--dir D] [--json]
//! patter cost [--dir D] [--since 7d] [--by category|provider|model|day] [--json]
//! patter dashboard [--dir D] [--port P]
//! ```
//!
//! `--dir` defaults to the call log the environment configures (`PATTER_LOG_DIR`). Everything
//! is read through the MetricsStore's `hydrate` (ours and the reference SDK's layout). [`run`]
//! is the whole program: the `patter` binary, `python -m patter` and `npx patter` call it with
//! their arguments and print what it writes. `dashboard` serves until interrupted: [`run_until`]
//! lets a host say when (Python checks its signals), and writes (and flushes) the URL first.

mod render;

use crate::calllog::CallLogger;
use crate::clock::Timestamp;
use crate::config::{Persist, ProcessEnv};
use crate::store::{CallSummary, MetricsStore};
use std::io::Write;
use std::path::PathBuf;

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: the command failed (no such call, unreadable root…).
pub const EXIT_FAILED: i32 = 1;
/// Exit status: the command line is wrong.
pub const EXIT_USAGE: i32 = 2;

/// The most calls `calls` and `cost` read from a root.
const MAX_CALLS: usize = 1_000_000;

const USAGE: &str = "\
usage: patter <command> [options]

commands:
  calls [--dir D] [--since 1d] [--limit N] [--json]     recent calls, newest first
  show CALL_ID [--dir D] [--json]                       one call: turns, cost, transcript
  cost [--dir D] [--since 7d] [--by category|provider|model|day] [--json]
                                                        cost totals
  dashboard [--dir D] [--port P]                        the local dashboard page (127.0.0.1,
                                                        token in the printed URL; --port 0
                                                        picks a free port, the default)

--dir defaults to PATTER_LOG_DIR; --since takes 30m, 12h, 7d, 2w.
";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
enum Command {
    Calls { limit: usize },
    Show { call_id: String },
    Cost { by: CostBy },
    Dashboard { port: Option<u16> },
    Help,
}

/// How `cost` groups its totals.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CostBy {
    Category,
    Provider,
    Model,
    Day,
}

#[derive(Debug, Clone, PartialEq)]
struct Args {
    command: Command,
    dir: Option<PathBuf>,
    since_ms: Option<u64>,
    json: bool,
}

/// Runs the command line `args` (without the program name), writing results to `out` and
/// errors to `err`. Returns the exit status.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_until(args, out, err, &mut || false)
}

/// [`run`], where a long-running command (`dashboard`) also stops when `interrupted` returns
/// true (it is asked a few times a second).
pub fn run_until(
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
    interrupted: &mut dyn FnMut() -> bool,
) -> i32 {
    let parsed = match parse(args) {
        Ok(a) => a,
        Err(msg) => {
            let _ = write!(err, "patter: {msg}\n\n{USAGE}");
            return EXIT_USAGE;
        }
    };
    if parsed.command == Command::Help {
        let _ = write!(out, "{USAGE}");
        return EXIT_OK;
    }
    match execute(&parsed, out, interrupted) {
        Ok(()) => EXIT_OK,
        Err(msg) => {
            let _ = writeln!(err, "patter: {msg}");
            EXIT_FAILED
        }
    }
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut it = args.iter();
    let cmd = it.next().ok_or("no command given")?;
    let mut a = Args { command: Command::Help, dir: None, since_ms: None, json: false };
    let mut positional = Vec::new();
    let (mut limit, mut by, mut port) = (50usize, CostBy::Category, None);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--dir" => a.dir = Some(PathBuf::from(value("--dir")?)),
            "--since" => a.since_ms = Some(parse_duration_ms(&value("--since")?)?),
            "--limit" => {
                let v = value("--limit")?;
                limit = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--limit: {v:?} is not a positive integer"))?;
            }
            "--by" => {
                by = match value("--by")?.as_str() {
                    "category" => CostBy::Category,
                    "provider" => CostBy::Provider,
                    "model" => CostBy::Model,
                    "day" => CostBy::Day,
                    other => return Err(format!("--by: {other:?} is not one of category, provider, model, day")),
                }
            }
            "--port" => {
                let v = value("--port")?;
                port = Some(v.parse::<u16>().map_err(|_| format!("--port: {v:?} is not a port number (0-65535)"))?);
            }
            "--json" => a.json = true,
            "-h" | "--help" => return Ok(Args { command: Command::Help, ..a }),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => positional.push(s.to_string()),
        }
    }
    a.command = match cmd.as_str() {
        "calls" => Command::Calls { limit },
        "show" => {
            if positional.is_empty() {
                return Err("show needs a CALL_ID".into());
            }
            let id = positional.remove(0);
            Command::Show { call_id: id }
        }
        "cost" => Command::Cost { by },
        "dashboard" => Command::Dashboard { port },
        "help" | "-h" | "--help" => Command::Help,
        other => return Err(format!("unknown command {other:?}")),
    };
    if let Some(extra) = positional.first() {
        return Err(format!("unexpected argument {extra:?}"));
    }
    Ok(a)
}

/// `30m`, `12h`, `7d`, `2w` (a bare number is days).
fn parse_duration_ms(s: &str) -> Result<u64, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| format!("--since: {s:?} is not like 30m, 12h, 7d or 2w"))?;
    let unit_ms = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" | "" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(format!("--since: {s:?} is not like 30m, 12h, 7d or 2w")),
    };
    n.checked_mul(unit_ms).ok_or_else(|| format!("--since: {s:?} is too long"))
}

fn root(a: &Args) -> Result<PathBuf, String> {
    if let Some(d) = &a.dir {
        return Ok(d.clone());
    }
    CallLogger::new(&Persist::Unset, &ProcessEnv)
        .ok()
        .and_then(|l| l.root().map(|p| p.to_path_buf()))
        .ok_or_else(|| "no call log to read: pass --dir or set PATTER_LOG_DIR".to_string())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The calls under the root, newest first, started within `since` when given.
fn load(a: &Args, capacity: usize) -> Result<(MetricsStore, Vec<CallSummary>), String> {
    let root = root(a)?;
    if !root.is_dir() {
        return Err(format!("{}: not a directory", root.display()));
    }
    let store = MetricsStore::new(capacity);
    store.hydrate(&root);
    let cutoff = a.since_ms.map(|s| now_ms().saturating_sub(s));
    let calls = store
        .get_calls(capacity, 0)
        .into_iter()
        .filter(|c| match cutoff {
            None => true,
            Some(t) => Timestamp::parse_iso8601(&c.started_at).is_some_and(|s| s.as_millis() >= t),
        })
        .collect();
    Ok((store, calls))
}

fn execute(a: &Args, out: &mut dyn Write, interrupted: &mut dyn FnMut() -> bool) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    match &a.command {
        Command::Calls { limit } => {
            let (_, mut calls) = load(a, if a.since_ms.is_some() { MAX_CALLS } else { *limit })?;
            calls.truncate(*limit);
            if a.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&calls).map_err(|e| e.to_string())?).map_err(io)
            } else {
                out.write_all(render::calls_table(&calls).as_bytes()).map_err(io)
            }
        }
        Command::Show { call_id } => {
            let (store, _) = load(a, MAX_CALLS)?;
            let rec = store
                .get_call(call_id)
                .ok_or_else(|| format!("no call {call_id:?} under {}", root(a).unwrap_or_default().display()))?;
            if a.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&rec).map_err(|e| e.to_string())?).map_err(io)
            } else {
                out.write_all(render::call_detail(&rec).as_bytes()).map_err(io)
            }
        }
        Command::Cost { by } => {
            let (_, calls) = load(a, MAX_CALLS)?;
            let rows = render::cost_rows(&calls, *by);
            if a.json {
                let v: Vec<_> =
                    rows.iter().map(|(k, c, n)| serde_json::json!({"key": k, "calls": n, "cost": c})).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?).map_err(io)
            } else {
                out.write_all(render::cost_table(&rows, *by, calls.len()).as_bytes()).map_err(io)
            }
        }
        Command::Dashboard { port } => {
            let root = root(a)?;
            let server = crate::dashboard::serve_dir(&root, &crate::dashboard::DashboardOptions { port: *port })
                .map_err(|e| e.to_string())?;
            writeln!(out, "{}", server.url()).map_err(io)?;
            writeln!(
                out,
                "patter dashboard: calls from {}; open the URL above (it carries the access token). Ctrl-C stops it.",
                root.display()
            )
            .map_err(io)?;
            out.flush().map_err(io)?;
            while !server.wait_timeout(std::time::Duration::from_millis(200)) {
                if interrupted() {
                    break;
                }
            }
            server.close();
            Ok(())
        }
        Command::Help => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_the_documented_forms() {
        let a = parse(&args("calls --dir /x --since 1d --limit 5 --json")).unwrap();
        assert_eq!(a.command, Command::Calls { limit: 5 });
        assert_eq!(a.dir, Some(PathBuf::from("/x")));
        assert_eq!(a.since_ms, Some(86_400_000));
        assert!(a.json);
        assert_eq!(parse(&args("show CA1")).unwrap().command, Command::Show { call_id: "CA1".into() });
        assert_eq!(parse(&args("cost --by day --since 2w")).unwrap().command, Command::Cost { by: CostBy::Day });
        assert_eq!(parse(&args("cost --since 30m")).unwrap().since_ms, Some(1_800_000));
        assert_eq!(parse(&args("dashboard --port 0")).unwrap().command, Command::Dashboard { port: Some(0) });
        assert_eq!(parse(&args("dashboard")).unwrap().command, Command::Dashboard { port: None });
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        for bad in [
            "",
            "nope",
            "show",
            "calls --limit 0",
            "calls --limit x",
            "cost --by vendor",
            "calls --since 3y",
            "calls extra",
            "show A B",
            "calls --dir",
            "calls --wat",
            "dashboard --port 70000",
            "dashboard --port -1",
            "dashboard --port",
        ] {
            let mut out = Vec::new();
            let mut err = Vec::new();
            assert_eq!(run(&args(bad), &mut out, &mut err), EXIT_USAGE, "{bad:?}");
            assert!(String::from_utf8_lossy(&err).contains("usage: patter"), "{bad:?}");
        }
        let mut out = Vec::new();
        assert_eq!(run(&args("--help"), &mut out, &mut Vec::new()), EXIT_OK);
        assert!(String::from_utf8_lossy(&out).starts_with("usage: patter"));
    }
}
