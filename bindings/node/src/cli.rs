//! `cliRun`: the `patter` command line for `npx patter` (all of it is `patter_core::cli::run`).

use napi_derive::napi;

/// What the `patter` command line printed and its exit status.
#[napi(object, object_from_js = false)]
pub struct CliResult {
    /// Exit status: 0 ok, 1 failed, 2 wrong command line.
    pub code: i32,
    /// Text for stdout.
    pub stdout: String,
    /// Text for stderr.
    pub stderr: String,
}

/// Runs the `patter` command line (`calls`, `show`, `cost`) with `args` (`npx patter` calls it).
#[napi(strict, catch_unwind)]
pub fn cli_run(args: Vec<String>) -> CliResult {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = patter_core::cli::run(&args, &mut out, &mut err);
    CliResult {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}
