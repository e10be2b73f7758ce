//! `patter`: the command line over a call log (`patter calls`, `patter show CALL_ID`,
//! `patter cost`). All of it is `patter_core::cli::run`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = patter_core::cli::run(&args, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
    std::process::exit(code);
}
