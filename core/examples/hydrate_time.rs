//! Times `MetricsStore::hydrate` of a call-log tree (min/median/max of ROUNDS fresh 500-call stores), for profiling:
//! `cargo run --release --example hydrate_time -p patter-core -- ROOT [ROUNDS]`.
use patter_core::store::MetricsStore;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("ROOT");
    let rounds: usize = args.next().map_or(7, |r| r.parse().expect("ROUNDS"));
    let mut ms = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let s = MetricsStore::new(500);
        let r = s.hydrate_report(&root);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if ms.len() == 1 {
            eprintln!("{r:?}");
        }
    }
    ms.sort_by(f64::total_cmp);
    println!("min {:.1} ms, median {:.1} ms, max {:.1} ms", ms[0], ms[ms.len() / 2], ms[ms.len() - 1]);
}
