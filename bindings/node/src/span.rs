//! Service spans (stt, endpoint, llm, tts, bargein, tool) behind numeric handles.
//!
//! A JS object per span made through napi-rs's class machinery (wrap, type tag, finalizer,
//! borrow tracking) cost several times the span itself, so spans live here in a per-thread
//! table and JS holds a plain object with the handle (the `Span` class of index.js). The
//! functions below are internal (`__span*`); index.js is their only caller.

use crate::error::{js_err, IntoJs, Result, STATE};
use crate::util::to_u64;
use napi_derive::napi;
use patter_core::call::Span as CoreSpan;
use std::cell::RefCell;

struct Entry {
    /// Which binding Call started the span (its spans are dropped with it).
    owner: u64,
    span: CoreSpan,
}

struct Slot {
    generation: u32,
    entry: Option<Entry>,
}

/// A slab: a handle is `generation * 2^32 + index`, so a stale handle never reaches a new span.
#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    free: Vec<u32>,
    open: usize,
}

const GENERATIONS: u32 = 1 << 20; // keeps handles below 2^53 (exact JS numbers)

impl Table {
    fn insert(&mut self, entry: Entry) -> f64 {
        self.open += 1;
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot { generation: 0, entry: None });
                (self.slots.len() - 1) as u32
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.entry = Some(entry);
        slot.generation as f64 * 4_294_967_296.0 + index as f64
    }

    fn locate(&self, handle: u64) -> Option<usize> {
        let (generation, index) = ((handle >> 32) as u32, (handle & 0xffff_ffff) as usize);
        match self.slots.get(index) {
            Some(s) if s.generation == generation && s.entry.is_some() => Some(index),
            _ => None,
        }
    }

    fn get_mut(&mut self, handle: u64) -> Option<&mut Entry> {
        let i = self.locate(handle)?;
        self.slots[i].entry.as_mut()
    }

    fn get(&self, handle: u64) -> Option<&Entry> {
        let i = self.locate(handle)?;
        self.slots[i].entry.as_ref()
    }

    fn remove_at(&mut self, index: usize) -> Option<Entry> {
        let slot = &mut self.slots[index];
        let e = slot.entry.take()?;
        slot.generation = (slot.generation + 1) % GENERATIONS;
        self.free.push(index as u32);
        self.open -= 1;
        Some(e)
    }

    fn remove(&mut self, handle: u64) -> Option<Entry> {
        let i = self.locate(handle)?;
        self.remove_at(i)
    }
}

thread_local! {
    static SPANS: RefCell<Table> = RefCell::new(Table::default());
}

/// Registers a span started by the Call `owner`; returns its handle.
pub(crate) fn register(owner: u64, span: CoreSpan) -> f64 {
    SPANS.with(|t| t.borrow_mut().insert(Entry { owner, span }))
}

/// Drops the spans of a Call that ended or was collected (the core ended them already).
pub(crate) fn release_owner(owner: u64) {
    // `try_with`: a Call collected while the thread shuts down finds the table gone.
    let dropped: Vec<Entry> = SPANS
        .try_with(|t| {
            let mut t = t.borrow_mut();
            if t.open == 0 {
                return Vec::new();
            }
            let mine: Vec<usize> = t
                .slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.entry.as_ref().is_some_and(|e| e.owner == owner))
                .map(|(i, _)| i)
                .collect();
            mine.into_iter().filter_map(|i| t.remove_at(i)).collect()
        })
        .unwrap_or_default();
    drop(dropped); // outside the borrow: dropping a span re-enters the core
}

/// Ends the span `id` (no-op when it has ended).
pub(crate) fn end_span(id: u64) {
    let entry = SPANS.with(|t| t.borrow_mut().remove(id));
    if let Some(mut e) = entry {
        e.span.end();
    }
}

/// Runs `f` on the open span `id` (for the fast path).
pub(crate) fn with_span_do<T>(id: f64, method: &str, f: impl FnOnce(&mut CoreSpan) -> Result<T>) -> Result<T> {
    with_span(id, method, f)
}

fn handle(id: f64) -> Result<u64> {
    to_u64("span", id)
}

/// Runs `f` on the open span `id`. A span no longer in the table has ended. The core never
/// calls back into this table, so holding the borrow while it runs is safe.
fn with_span<T>(id: f64, method: &str, f: impl FnOnce(&mut CoreSpan) -> Result<T>) -> Result<T> {
    let id = handle(id)?;
    SPANS.with(|t| match t.borrow_mut().get_mut(id) {
        Some(e) => f(&mut e.span),
        None => Err(js_err(STATE, format!("invalid state: {method}(): the span has ended"))),
    })
}

/// Tool: result.
#[napi(js_name = "__spanToolResult", skip_typescript, catch_unwind)]
pub fn span_tool_result(id: f64, result: String) -> Result<()> {
    with_span(id, "toolResult", |s| s.tool_result(&result).js())
}

/// Barge-in: how much of the agent's audio the caller heard (ms).
#[napi(js_name = "__spanAudioPlayedMs", skip_typescript, catch_unwind)]
pub fn span_audio_played_ms(id: f64, ms: f64) -> Result<()> {
    with_span(id, "audioPlayedMs", |s| s.audio_played_ms(ms).js())
}

/// Tool: the id the model gave the tool call.
#[napi(js_name = "__spanToolCallId", skip_typescript, catch_unwind)]
pub fn span_tool_call_id(id: f64, tool_call_id: String) -> Result<()> {
    with_span(id, "toolCallId", |s| s.tool_call_id(&tool_call_id).js())
}

/// The span's W3C traceparent (null once it has ended, or when neither it nor its call has one).
#[napi(js_name = "__spanTraceparent", skip_typescript, strict, catch_unwind)]
pub fn span_traceparent(id: f64) -> Result<Option<String>> {
    let id = handle(id)?;
    Ok(SPANS.with(|t| t.borrow().get(id).and_then(|e| e.span.traceparent())))
}

/// Marks the span failed with an error code.
#[napi(js_name = "__spanFail", skip_typescript, catch_unwind)]
pub fn span_fail(id: f64, code: String) -> Result<()> {
    with_span(id, "fail", |s| s.fail(&code).js())
}

/// The span's turn number, or null once it has ended.
#[napi(js_name = "__spanTurn", skip_typescript, strict, catch_unwind)]
pub fn span_turn(id: f64) -> Result<Option<u32>> {
    let id = handle(id)?;
    Ok(SPANS.with(|t| t.borrow().get(id).map(|e| e.span.turn())))
}

/// Whether the span has ended (or its call did).
#[napi(js_name = "__spanIsEnded", skip_typescript, strict, catch_unwind)]
pub fn span_is_ended(id: f64) -> Result<bool> {
    let id = handle(id)?;
    Ok(SPANS.with(|t| t.borrow().get(id).map(|e| e.span.is_ended()).unwrap_or(true)))
}

/// Open spans across all calls of this thread (tests use it to check nothing leaks).
#[napi(js_name = "__spansOpen", skip_typescript, catch_unwind)]
pub fn spans_open() -> u32 {
    SPANS.with(|t| t.borrow().open as u32)
}
