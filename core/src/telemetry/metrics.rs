//! Aggregation of the metric catalogue ([`super::names::METRICS`]) in the core.
//!
//! Recording (on the call path) takes one short per-instrument mutex: a hash of the attribute
//! values, a lookup, a few additions. No allocation once a series exists; no I/O, no waiting on
//! the export thread, which holds the same mutex only to copy (cumulative) or take (delta) the
//! table. Each instrument keeps at most [`MAX_SERIES`] attribute sets; the rest are folded into
//! one series marked `otel.metric.overflow=true`, as the OpenTelemetry SDK does. Measurements a
//! caller makes again and again into the same series (a call's LLM iterations) can be gathered
//! in a [`LocalHist`] of its own and merged in one go ([`Registry::merge`]).

use super::names::{Kind, Metric, MetricInfo, METRICS, OVERFLOW};
use crate::config::Temporality;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

/// Attribute sets kept per instrument before overflow.
pub const MAX_SERIES: usize = 2_000;

/// OTLP `AggregationTemporality`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wire {
    /// `AGGREGATION_TEMPORALITY_DELTA` (1).
    Delta = 1,
    /// `AGGREGATION_TEMPORALITY_CUMULATIVE` (2).
    Cumulative = 2,
}

/// The temporality a metric of `kind` is exported with under `pref` (the specification's
/// rules for the `delta` and `lowmemory` preferences).
pub(crate) fn temporality(kind: Kind, pref: Temporality) -> Wire {
    match (kind, pref) {
        (_, Temporality::Cumulative) | (Kind::UpDownCounter, _) => Wire::Cumulative,
        (Kind::ObservableCounter, Temporality::LowMemory) => Wire::Cumulative,
        _ => Wire::Delta,
    }
}

/// A histogram's state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hist {
    pub counts: Vec<u64>,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

impl Hist {
    /// An empty histogram with the buckets of `info`.
    fn empty(info: &MetricInfo) -> Hist {
        Hist { counts: vec![0; info.bounds.len() + 1], count: 0, sum: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }

    /// Counts `v`. Bucket i holds (bounds[i-1], bounds[i]]; the last one everything above.
    fn observe(&mut self, info: &MetricInfo, v: f64) {
        let i = info.bounds.iter().position(|b| v <= *b).unwrap_or(info.bounds.len());
        self.counts[i] += 1;
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Adds everything `other` (same buckets) counted.
    fn absorb(&mut self, other: &Hist) {
        for (to, from) in self.counts.iter_mut().zip(&other.counts) {
            *to += from;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// The value of one series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Sum(f64),
    Hist(Hist),
}

#[derive(Debug, Clone)]
struct Series {
    /// Attribute values in the order of the metric's keys ("" = absent); empty for overflow.
    values: Box<[Box<str>]>,
    overflow: bool,
    value: Value,
}

#[derive(Debug, Default)]
struct Table {
    by_hash: HashMap<u64, Vec<Series>, BuildHasherDefault<PreHashed>>,
    len: usize,
}

/// The hasher of `Table::by_hash`, whose keys are already hashes ([`hash`]): they are used as
/// they are instead of being hashed again.
#[derive(Debug, Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One exported data point.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    /// Attributes present, in catalogue order.
    pub attributes: Vec<(&'static str, String)>,
    pub start_ns: u64,
    pub time_ns: u64,
    pub value: Value,
}

/// One metric ready to encode.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetricData {
    pub info: &'static MetricInfo,
    pub temporality: Wire,
    pub points: Vec<Point>,
}

const OVERFLOW_HASH: u64 = u64::MAX;

fn hash(values: &[&str]) -> u64 {
    // Word at a time (Fx-style multiply-rotate), each value ended by its length so that
    // ("ab", "c") and ("a", "bc") differ; series with equal hashes are told apart by their
    // values, so the hash only has to be fast and well spread. Recorded several times per span.
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        let mut chunks = v.as_bytes().chunks_exact(8);
        for c in &mut chunks {
            h = mix(h, u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        // The last 0..7 bytes packed in a register (a copy through memory stalls the load).
        let tail = chunks.remainder().iter().rev().fold(0u64, |w, b| (w << 8) | u64::from(*b));
        h = mix(h, tail);
        h = mix(h, v.len() as u64);
    }
    if h == OVERFLOW_HASH {
        h - 1
    } else {
        h
    }
}

/// Whether `v` is recorded at all: finite, and not negative for a (monotonic) counter.
fn accepted(info: &MetricInfo, v: f64) -> bool {
    v.is_finite() && !(info.kind == Kind::Counter && v < 0.0)
}

fn fresh(info: &MetricInfo) -> Value {
    match info.kind {
        Kind::Histogram => Value::Hist(Hist::empty(info)),
        _ => Value::Sum(0.0),
    }
}

fn add(info: &MetricInfo, value: &mut Value, v: f64) {
    match value {
        Value::Sum(s) => *s += v,
        Value::Hist(h) => h.observe(info, v),
    }
}

/// Measurements of one histogram series gathered away from the registry (a call's own, under
/// its own lock) and added to it in one go ([`Registry::merge`]): the same bucket counts,
/// count, sum, min and max as recording each measurement there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LocalHist(Hist);

impl LocalHist {
    /// An empty one for the histogram `metric`.
    pub(crate) fn new(metric: Metric) -> LocalHist {
        LocalHist(Hist::empty(&METRICS[metric as usize]))
    }

    /// Gathers `v` (ignored when [`Registry::record`] would ignore it).
    pub(crate) fn add(&mut self, metric: Metric, v: f64) {
        let info = &METRICS[metric as usize];
        if accepted(info, v) {
            self.0.observe(info, v);
        }
    }

    /// Measurements gathered since the last [`clear`](Self::clear).
    pub(crate) fn count(&self) -> u64 {
        self.0.count
    }

    /// Empties it, keeping its buckets' memory.
    pub(crate) fn clear(&mut self) {
        self.0.counts.iter_mut().for_each(|c| *c = 0);
        (self.0.count, self.0.sum, self.0.min, self.0.max) = (0, 0.0, f64::INFINITY, f64::NEG_INFINITY);
    }
}

/// The synchronous instruments of one pipeline generation.
pub(crate) struct Registry {
    tables: Vec<Mutex<Table>>,
    /// When the metrics started (start of cumulative points), ns since the epoch.
    start_ns: u64,
}

impl Registry {
    /// Empty instruments; `start_ns` starts every cumulative point.
    pub(crate) fn new(start_ns: u64) -> Registry {
        Registry { tables: METRICS.iter().map(|_| Mutex::new(Table::default())).collect(), start_ns }
    }

    /// The start of cumulative points.
    pub(crate) fn start_ns(&self) -> u64 {
        self.start_ns
    }

    /// Records `v` for `metric` under attribute `values` (one per key of the metric, "" =
    /// absent). Non-finite values, and negative ones for counters, are ignored.
    pub(crate) fn record(&self, metric: Metric, values: &[&str], v: f64) {
        let info = &METRICS[metric as usize];
        if accepted(info, v) {
            self.update(metric, values, |value| add(info, value, v));
        }
    }

    /// Adds the measurements gathered in `h` (see [`LocalHist`]) to the histogram `metric`
    /// under `values`: the same data point as recording each of them here.
    pub(crate) fn merge(&self, metric: Metric, values: &[&str], h: &LocalHist) {
        let info = &METRICS[metric as usize];
        debug_assert_eq!(info.kind, Kind::Histogram, "{}", info.name);
        if h.count() == 0 {
            return;
        }
        self.update(metric, values, |value| {
            if let Value::Hist(t) = value {
                t.absorb(&h.0);
            }
        });
    }

    /// Applies `f` to the series of `metric` under `values`, made on first use (or to the
    /// overflow series past [`MAX_SERIES`]).
    fn update(&self, metric: Metric, values: &[&str], f: impl FnOnce(&mut Value)) {
        let info = &METRICS[metric as usize];
        debug_assert_eq!(values.len(), info.attributes.len(), "{}", info.name);
        let h = hash(values);
        let mut t = self.tables[metric as usize].lock().unwrap_or_else(|p| p.into_inner());
        let t = &mut *t;
        if let Some(bucket) = t.by_hash.get_mut(&h) {
            if let Some(s) = bucket.iter_mut().find(|s| s.values.iter().map(|b| &**b).eq(values.iter().copied())) {
                return f(&mut s.value);
            }
        }
        if t.len >= MAX_SERIES {
            let bucket = t
                .by_hash
                .entry(OVERFLOW_HASH)
                .or_insert_with(|| vec![Series { values: Box::new([]), overflow: true, value: fresh(info) }]);
            return f(&mut bucket[0].value);
        }
        let mut series = Series {
            values: values.iter().map(|v| Box::<str>::from(*v)).collect(),
            overflow: false,
            value: fresh(info),
        };
        f(&mut series.value);
        t.by_hash.entry(h).or_default().push(series);
        t.len += 1;
    }

    /// The data points of every synchronous instrument with data, at `now_ns`. Delta metrics
    /// are reset (and start at `last_ns`, the previous collection); cumulative ones are copied.
    pub(crate) fn collect(&self, pref: Temporality, last_ns: u64, now_ns: u64) -> Vec<MetricData> {
        let mut out = Vec::new();
        for (i, info) in METRICS.iter().enumerate() {
            if info.kind == Kind::ObservableCounter {
                continue;
            }
            let temporality = temporality(info.kind, pref);
            let series: Vec<Series> = {
                let mut t = self.tables[i].lock().unwrap_or_else(|p| p.into_inner());
                if temporality == Wire::Delta {
                    let next = Table::default();
                    std::mem::replace(&mut *t, next).by_hash.into_values().flatten().collect()
                } else {
                    t.by_hash.values().flatten().cloned().collect()
                }
            };
            if series.is_empty() {
                continue;
            }
            let start_ns = if temporality == Wire::Delta { last_ns } else { self.start_ns };
            let mut points: Vec<Point> = series
                .into_iter()
                .map(|s| Point { attributes: attributes(info, &s), start_ns, time_ns: now_ns, value: s.value })
                .collect();
            points.sort_by(|a, b| a.attributes.cmp(&b.attributes));
            out.push(MetricData { info, temporality, points });
        }
        out
    }
}

fn attributes(info: &'static MetricInfo, s: &Series) -> Vec<(&'static str, String)> {
    if s.overflow {
        return vec![(OVERFLOW, "true".into())];
    }
    info.attributes
        .iter()
        .zip(s.values.iter())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, v.to_string()))
        .collect()
}

/// Observable counters: the current totals, turned into points (delta: minus the previous
/// observation, kept in `prev`).
pub(crate) fn observe(
    metric: Metric,
    values: Vec<(Vec<&str>, u64)>,
    pref: Temporality,
    prev: &mut HashMap<(usize, Vec<String>), u64>,
    start_ns: u64,
    last_ns: u64,
    now_ns: u64,
) -> MetricData {
    let info = &METRICS[metric as usize];
    let temporality = temporality(info.kind, pref);
    let mut points = Vec::with_capacity(values.len());
    for (vals, total) in values {
        let key = (metric as usize, vals.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let before = prev.insert(key, total).unwrap_or(0);
        let (value, start) = match temporality {
            Wire::Delta => (total.saturating_sub(before) as f64, last_ns),
            Wire::Cumulative => (total as f64, start_ns),
        };
        let attributes =
            info.attributes.iter().zip(vals).filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.to_string())).collect();
        points.push(Point { attributes, start_ns: start, time_ns: now_ns, value: Value::Sum(value) });
    }
    MetricData { info, temporality, points }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(d: &MetricData, attrs: &[(&str, &str)]) -> Hist {
        let want: Vec<(&str, String)> = attrs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        match &d.points.iter().find(|p| p.attributes == want).expect("series").value {
            Value::Hist(h) => h.clone(),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn histograms_bucket_count_sum_min_max() {
        let r = Registry::new(10);
        for v in [10.0, 50.0, 50.1, 9_999.0, 20_000.0] {
            r.record(Metric::LatencyTtfb, &["inbound", "pipeline"], v);
        }
        r.record(Metric::LatencyTtfb, &["outbound", "pipeline"], 120.0);
        r.record(Metric::LatencyTtfb, &["outbound", "pipeline"], f64::NAN);
        let out = r.collect(Temporality::Cumulative, 0, 99);
        assert_eq!(out.len(), 1);
        let d = &out[0];
        assert_eq!((d.info.name, d.temporality, d.points.len()), ("patter.latency.ttfb", Wire::Cumulative, 2));
        let h = hist(d, &[("patter.call.direction", "inbound"), ("patter.call.provider_mode", "pipeline")]);
        assert_eq!(h.count, 5);
        assert_eq!(h.counts.len(), 16);
        assert_eq!((h.counts[0], h.counts[1], h.counts[14], h.counts[15]), (2, 1, 1, 1), "{:?}", h.counts);
        assert_eq!((h.min, h.max, h.sum), (10.0, 20_000.0, 30_109.1));
        assert!(d.points.iter().all(|p| p.start_ns == 10 && p.time_ns == 99));
        // Cumulative: the next collection sees the same totals.
        assert_eq!(r.collect(Temporality::Cumulative, 99, 200)[0].points.len(), 2);
    }

    #[test]
    fn delta_resets_and_updown_stays_cumulative() {
        let r = Registry::new(1);
        r.record(Metric::Calls, &["inbound", "pipeline", "completed"], 1.0);
        r.record(Metric::Calls, &["inbound", "pipeline", "completed"], 1.0);
        r.record(Metric::Calls, &["inbound", "pipeline", "completed"], -4.0); // ignored: monotonic
        r.record(Metric::CallsActive, &["inbound", "pipeline"], 1.0);
        r.record(Metric::CallsActive, &["inbound", "pipeline"], -1.0);
        let first = r.collect(Temporality::Delta, 5, 6);
        let calls = first.iter().find(|d| d.info.name == "patter.calls").unwrap();
        assert_eq!(
            (calls.temporality, calls.points[0].value.clone(), calls.points[0].start_ns),
            (Wire::Delta, Value::Sum(2.0), 5)
        );
        let active = first.iter().find(|d| d.info.name == "patter.calls.active").unwrap();
        assert_eq!((active.temporality, active.points[0].value.clone()), (Wire::Cumulative, Value::Sum(0.0)));
        let second = r.collect(Temporality::Delta, 6, 7);
        assert!(second.iter().all(|d| d.info.name != "patter.calls"), "no new measurements, no delta point");
        assert!(second.iter().any(|d| d.info.name == "patter.calls.active"));
    }

    #[test]
    fn absent_attributes_are_omitted_and_cardinality_is_capped() {
        let r = Registry::new(0);
        r.record(Metric::CallCost, &["llm", "openai", ""], 0.5);
        for i in 0..MAX_SERIES + 10 {
            r.record(Metric::LlmTtft, &["p", &format!("m{i}")], 100.0);
        }
        let out = r.collect(Temporality::Cumulative, 0, 1);
        let cost = out.iter().find(|d| d.info.name == "patter.call.cost").unwrap();
        assert_eq!(
            cost.points[0].attributes,
            vec![("patter.cost.category", "llm".to_string()), ("patter.provider", "openai".to_string())]
        );
        let ttft = out.iter().find(|d| d.info.name == "patter.llm.ttft").unwrap();
        assert_eq!(ttft.points.len(), MAX_SERIES + 1);
        let over = hist(ttft, &[(OVERFLOW, "true")]);
        assert_eq!(over.count, 10);
    }

    #[test]
    fn merged_measurements_are_the_data_points_of_recording_each() {
        let vals: &[&str] = &["chat", "openai", "gpt-4o-mini", "input"];
        let measurements = [412.0, 1.0, f64::NAN, 36.0, 5_000_000.0, -3.0, 0.0];
        let (direct, merged) = (Registry::new(1), Registry::new(1));
        let mut local = LocalHist::new(Metric::TokenUsage);
        for (round, window) in [&measurements[..4], &measurements[4..]].into_iter().enumerate() {
            for &v in window {
                direct.record(Metric::TokenUsage, vals, v);
                local.add(Metric::TokenUsage, v);
            }
            assert_eq!(local.count(), window.iter().filter(|v| v.is_finite()).count() as u64);
            merged.merge(Metric::TokenUsage, vals, &local);
            local.clear();
            merged.merge(Metric::TokenUsage, vals, &local); // an empty one adds nothing
            let (a, b) = (direct.collect(Temporality::Delta, 1, 2), merged.collect(Temporality::Delta, 1, 2));
            assert_eq!(a, b, "round {round}");
            assert_eq!(a.len(), 1, "round {round}");
        }
        assert_eq!(local, LocalHist::new(Metric::TokenUsage));
        assert!(merged.collect(Temporality::Delta, 2, 3).is_empty(), "a cleared one merged nothing");
    }

    #[test]
    fn merged_measurements_overflow_as_recorded_ones_do() {
        let r = Registry::new(1);
        for i in 0..MAX_SERIES {
            r.record(Metric::LlmTtft, &["p", &format!("m{i}")], 1.0);
        }
        let mut local = LocalHist::new(Metric::LlmTtft);
        local.add(Metric::LlmTtft, 3.0);
        local.add(Metric::LlmTtft, 5.0);
        r.merge(Metric::LlmTtft, &["p", "one-more"], &local);
        let out = r.collect(Temporality::Cumulative, 1, 2);
        let ttft = out.iter().find(|d| d.info.name == "patter.llm.ttft").unwrap();
        let over = hist(ttft, &[(OVERFLOW, "true")]);
        assert_eq!((over.count, over.sum, over.min, over.max), (2, 8.0, 3.0, 5.0));
    }

    #[test]
    fn temporality_rules() {
        use Temporality::*;
        assert_eq!(temporality(Kind::Histogram, Delta), Wire::Delta);
        assert_eq!(temporality(Kind::UpDownCounter, Delta), Wire::Cumulative);
        assert_eq!(temporality(Kind::ObservableCounter, LowMemory), Wire::Cumulative);
        assert_eq!(temporality(Kind::ObservableCounter, Delta), Wire::Delta);
        assert_eq!(temporality(Kind::Counter, LowMemory), Wire::Delta);
        assert_eq!(temporality(Kind::Counter, Cumulative), Wire::Cumulative);
    }

    #[test]
    fn observed_deltas() {
        let mut prev = HashMap::new();
        let a = observe(
            Metric::PipelineItems,
            vec![(vec!["spans", "exported"], 10)],
            Temporality::Delta,
            &mut prev,
            0,
            1,
            2,
        );
        let b = observe(
            Metric::PipelineItems,
            vec![(vec!["spans", "exported"], 15)],
            Temporality::Delta,
            &mut prev,
            0,
            2,
            3,
        );
        assert_eq!((a.points[0].value.clone(), b.points[0].value.clone()), (Value::Sum(10.0), Value::Sum(5.0)));
        let c = observe(
            Metric::PipelineItems,
            vec![(vec!["spans", "exported"], 15)],
            Temporality::Cumulative,
            &mut prev,
            7,
            3,
            4,
        );
        assert_eq!((c.points[0].value.clone(), c.points[0].start_ns), (Value::Sum(15.0), 7));
    }
}
