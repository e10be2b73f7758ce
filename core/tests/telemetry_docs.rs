//! The metric catalogue, its documentation and the Grafana dashboard agree: every metric (with
//! its unit, kind and attributes) is in docs/metrics.md, the dashboard is valid JSON and every
//! metric and label it queries exists (in the Prometheus spelling of the collector example).

use patter_core::telemetry::METRICS;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn prom(name: &str) -> String {
    name.replace('.', "_")
}

#[test]
fn every_metric_is_documented() {
    let doc = std::fs::read_to_string(repo().join("docs/metrics.md")).unwrap();
    for m in METRICS {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", m.name)))
            .unwrap_or_else(|| panic!("docs/metrics.md has no row for {}", m.name));
        assert!(row.contains(&format!("| {} |", m.kind.as_str())), "{}: kind {}", m.name, m.kind.as_str());
        assert!(row.contains(&format!("| `{}` |", m.unit)), "{}: unit {}", m.name, m.unit);
        for a in m.attributes {
            assert!(row.contains(&format!("`{a}`")), "{}: attribute {a}", m.name);
        }
    }
}

/// Removes `{…}` label matchers, `[…]` ranges and `"…"` strings; returns the rest and the
/// label names of `by (…)` clauses.
fn strip(expr: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut labels = Vec::new();
    let mut depth_brace = 0;
    let mut in_range = false;
    for c in expr.chars() {
        match c {
            '{' => depth_brace += 1,
            '}' => depth_brace -= 1,
            '[' => in_range = true,
            ']' => in_range = false,
            _ if depth_brace > 0 || in_range => {}
            _ => out.push(c),
        }
    }
    let mut rest = out.as_str();
    while let Some(i) = rest.find("by (") {
        let after = &rest[i + 4..];
        let end = after.find(')').unwrap();
        labels.extend(after[..end].split(',').map(|s| s.trim().to_string()));
        rest = &after[end..];
    }
    let without_by = {
        let mut s = out.clone();
        while let Some(i) = s.find("by (") {
            let end = i + s[i..].find(')').unwrap();
            s.replace_range(i..=end, " ");
        }
        s
    };
    (without_by, labels)
}

#[test]
fn the_dashboard_queries_only_catalogue_metrics() {
    let text = std::fs::read_to_string(repo().join("examples/grafana/patter-dashboard.json")).unwrap();
    let dash: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let names: BTreeSet<String> = METRICS.iter().map(|m| prom(m.name)).collect();
    let mut labels_known: BTreeSet<String> =
        METRICS.iter().flat_map(|m| m.attributes.iter().map(|a| prom(a))).collect();
    labels_known.extend(["le".to_string(), "service_name".to_string()]);
    let mut queried = BTreeSet::new();
    let panels = dash["panels"].as_array().expect("panels");
    assert!(!panels.is_empty());
    for p in panels {
        for t in p["targets"].as_array().expect("targets") {
            let expr = t["expr"].as_str().expect("expr");
            let (bare, labels) = strip(expr);
            for l in labels {
                assert!(labels_known.contains(&l), "{expr}: unknown label {l}");
            }
            for tok in bare.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if !(tok.starts_with("patter_") || tok.starts_with("gen_ai_")) {
                    continue;
                }
                let base = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| tok.strip_suffix(s).filter(|b| names.contains(*b)))
                    .unwrap_or(tok);
                assert!(names.contains(base), "{expr}: {tok} is not a catalogue metric");
                queried.insert(base.to_string());
            }
        }
    }
    assert_eq!(queried, names, "the dashboard shows every metric of the catalogue");
}

#[test]
fn the_collector_example_keeps_plain_prometheus_names() {
    let text = std::fs::read_to_string(repo().join("examples/otel-collector/collector.yaml")).unwrap();
    assert!(text.contains("add_metric_suffixes: false"));
    for pipeline in ["metrics:", "logs:", "traces:"] {
        assert!(text.contains(pipeline), "{pipeline}");
    }
}
