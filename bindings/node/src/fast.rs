//! The span hot path as plain N-API callbacks.
//!
//! Every `#[napi]` function pays napi-rs's per-call machinery (callback-info wrapper, native
//! borrow scopes, deferred conversions): ~100 ns of a ~150 ns call here, four calls per span.
//! The handful of functions a span goes through are therefore registered by hand; they do what
//! the generated code does (convert, call the core, map errors to `PATTER_*` codes, catch
//! panics) and nothing else. Cold functions stay `#[napi]`.

use crate::call::with_live;
use crate::error::{invalid, js_err, IntoJs, Result, INTERNAL};
use crate::span::{end_span, register, with_span_do};
use crate::util::to_u64;
use napi::bindgen_prelude::Object;
use napi::{sys, Env, JsValue};
use napi_derive::napi;
use patter_core::call::LlmRecord;
use std::ptr;

type Args<const N: usize> = [sys::napi_value; N];

/// The first `N` arguments (missing ones are `undefined`).
unsafe fn args<const N: usize>(env: sys::napi_env, info: sys::napi_callback_info) -> Option<Args<N>> {
    let mut argv: Args<N> = [ptr::null_mut(); N];
    let mut argc = N;
    let st =
        unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) };
    (st == sys::Status::napi_ok).then_some(argv)
}

unsafe fn is_nullish(env: sys::napi_env, v: sys::napi_value) -> bool {
    let mut t = 0;
    unsafe { sys::napi_typeof(env, v, &mut t) };
    t == sys::ValueType::napi_undefined || t == sys::ValueType::napi_null
}

unsafe fn number(env: sys::napi_env, v: sys::napi_value, name: &'static str) -> Result<f64> {
    let mut out = 0.0;
    match unsafe { sys::napi_get_value_double(env, v, &mut out) } {
        sys::Status::napi_ok => Ok(out),
        _ => Err(invalid(name, "must be a number")),
    }
}

unsafe fn opt_number(env: sys::napi_env, v: sys::napi_value, name: &'static str) -> Result<Option<f64>> {
    // A number is read in one N-API call; the type is asked only when it is not one.
    let mut out = 0.0;
    if unsafe { sys::napi_get_value_double(env, v, &mut out) } == sys::Status::napi_ok {
        Ok(Some(out))
    } else if unsafe { is_nullish(env, v) } {
        Ok(None)
    } else {
        Err(invalid(name, "must be a number"))
    }
}

unsafe fn string(env: sys::napi_env, v: sys::napi_value, name: &'static str) -> Result<String> {
    let mut len = 0usize;
    if unsafe { sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len) } != sys::Status::napi_ok {
        return Err(invalid(name, "must be a string"));
    }
    let mut buf: Vec<u8> = Vec::with_capacity(len + 1);
    let mut written = 0usize;
    let st = unsafe { sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), len + 1, &mut written) };
    if st != sys::Status::napi_ok {
        return Err(invalid(name, "must be a string"));
    }
    // SAFETY: N-API wrote `written` bytes of UTF-8 (lone surrogates become U+FFFD).
    unsafe { buf.set_len(written) };
    Ok(unsafe { String::from_utf8_unchecked(buf) })
}

/// Strings up to this many UTF-8 bytes are read into a stack buffer (provider and model names,
/// most sentences) instead of a new heap buffer.
const STACK_STR: usize = 256;

/// Runs `f` on the JS string `v` as UTF-8: read in one N-API call into a stack buffer when it
/// fits, else (longer texts) into a heap buffer.
unsafe fn with_str<R>(
    env: sys::napi_env,
    v: sys::napi_value,
    name: &'static str,
    f: impl FnOnce(&str) -> Result<R>,
) -> Result<R> {
    let mut buf = [0u8; STACK_STR];
    let mut written = 0usize;
    if unsafe { sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), STACK_STR, &mut written) }
        != sys::Status::napi_ok
    {
        return Err(invalid(name, "must be a string"));
    }
    // N-API stops before a character that does not fit (a UTF-8 character is at most 4 bytes),
    // so a string that left more than 4 bytes free was read whole.
    if written + 4 < STACK_STR {
        // SAFETY: N-API wrote `written` bytes of UTF-8 (lone surrogates become U+FFFD).
        return f(unsafe { std::str::from_utf8_unchecked(&buf[..written]) });
    }
    let s = unsafe { string(env, v, name) }?;
    f(&s)
}

/// [`with_str`] for an optional string (`undefined`/`null` give None).
unsafe fn with_opt_str<R>(
    env: sys::napi_env,
    v: sys::napi_value,
    name: &'static str,
    f: impl FnOnce(Option<&str>) -> Result<R>,
) -> Result<R> {
    if unsafe { is_nullish(env, v) } {
        f(None)
    } else {
        unsafe { with_str(env, v, name, |s| f(Some(s))) }
    }
}

unsafe fn js_string(env: sys::napi_env, s: &str) -> sys::napi_value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out) };
    out
}

/// Throws an `Error` whose `code` is the error's `PATTER_*` status.
unsafe fn throw(env: sys::napi_env, e: crate::error::JsErr) -> sys::napi_value {
    let code = unsafe { js_string(env, &e.status) };
    let msg = unsafe { js_string(env, &e.reason) };
    let mut err = ptr::null_mut();
    unsafe {
        sys::napi_create_error(env, code, msg, &mut err);
        sys::napi_throw(env, err);
    }
    ptr::null_mut()
}

trait IntoJsValue {
    unsafe fn into_js(self, env: sys::napi_env) -> sys::napi_value;
}

impl IntoJsValue for () {
    unsafe fn into_js(self, env: sys::napi_env) -> sys::napi_value {
        let mut out = ptr::null_mut();
        unsafe { sys::napi_get_undefined(env, &mut out) };
        out
    }
}

impl IntoJsValue for f64 {
    unsafe fn into_js(self, env: sys::napi_env) -> sys::napi_value {
        let mut out = ptr::null_mut();
        unsafe { sys::napi_create_double(env, self, &mut out) };
        out
    }
}

/// Runs a callback body: converts its result, throws its error, turns a panic into
/// `PATTER_INTERNAL`.
unsafe fn run<T: IntoJsValue>(env: sys::napi_env, body: impl FnOnce() -> Result<T>) -> sys::napi_value {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(v)) => unsafe { v.into_js(env) },
        Ok(Err(e)) => unsafe { throw(env, e) },
        Err(_) => unsafe { throw(env, js_err(INTERNAL, "patter panicked (a bug: please report it)")) },
    }
}

macro_rules! callback {
    ($name:ident, $n:literal, |$env:ident, $a:ident| $body:block) => {
        unsafe extern "C" fn $name($env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
            let body = || {
                let $a = unsafe { args::<$n>($env, info) }.ok_or_else(|| invalid("arguments", "could not be read"))?;
                $body
            };
            unsafe { run($env, body) }
        }
    };
}

callback!(span_end, 1, |env, a| {
    let h = to_u64("span", unsafe { number(env, a[0], "span") }?)?;
    end_span(h);
    Ok(())
});

callback!(span_first_token, 1, |env, a| {
    let h = unsafe { number(env, a[0], "span") }?;
    with_span_do(h, "firstToken", |s| s.first_token().js())
});

callback!(span_first_byte, 1, |env, a| {
    let h = unsafe { number(env, a[0], "span") }?;
    with_span_do(h, "firstByte", |s| s.first_byte().js())
});

callback!(span_silence_ms, 2, |env, a| {
    let h = unsafe { number(env, a[0], "span") }?;
    let ms = unsafe { number(env, a[1], "silence_ms") }?;
    with_span_do(h, "silenceMs", |s| s.silence_ms(ms).js())
});

callback!(span_usage, 4, |env, a| {
    let h = unsafe { number(env, a[0], "span") }?;
    let i = to_u64("input_tokens", unsafe { number(env, a[1], "input_tokens") }?)?;
    let o = to_u64("output_tokens", unsafe { number(env, a[2], "output_tokens") }?)?;
    let c = unsafe { opt_number(env, a[3], "cached_input_tokens") }?
        .map(|c| to_u64("cached_input_tokens", c))
        .transpose()?;
    with_span_do(h, "usage", |s| s.usage(i, o, c).js())
});

callback!(span_transcript, 4, |env, a| {
    let h = unsafe { number(env, a[0], "span") }?;
    let confidence = unsafe { opt_number(env, a[2], "confidence") }?;
    let secs = unsafe { opt_number(env, a[3], "audio_seconds") }?;
    unsafe {
        with_str(env, a[1], "text", |text| with_span_do(h, "transcript", |s| s.transcript(text, confidence, secs).js()))
    }
});

callback!(call_stt, 3, |env, a| {
    let key = unsafe { number(env, a[0], "call") }?;
    unsafe {
        with_str(env, a[1], "provider", |provider| {
            with_opt_str(env, a[2], "model", |model| {
                with_live(key, |c, k| Ok(register(k, c.stt(provider, model).js()?)))
            })
        })
    }
});

callback!(call_endpoint, 1, |env, a| {
    let key = unsafe { number(env, a[0], "call") }?;
    with_live(key, |c, k| Ok(register(k, c.endpoint().js()?)))
});

callback!(call_llm, 4, |env, a| {
    let key = unsafe { number(env, a[0], "call") }?;
    let history = unsafe { opt_number(env, a[3], "history_size") }?.map(|h| to_u64("history_size", h)).transpose()?;
    unsafe {
        with_str(env, a[1], "provider", |provider| {
            with_opt_str(env, a[2], "model", |model| {
                with_live(key, |c, k| Ok(register(k, c.llm(provider, model, history).js()?)))
            })
        })
    }
});

callback!(call_tts, 4, |env, a| {
    let key = unsafe { number(env, a[0], "call") }?;
    unsafe {
        with_str(env, a[1], "provider", |provider| {
            with_str(env, a[2], "text", |text| {
                with_opt_str(env, a[3], "model", |model| {
                    with_live(key, |c, k| Ok(register(k, c.tts(provider, text, model).js()?)))
                })
            })
        })
    }
});

// `recordLlm` passes its numbers through a scratch buffer instead of as arguments: lib/span.js
// writes the call key and the numbers as doubles with a type tag each, then calls
// `__callRecordLlm(provider, model)`; reading them costs no N-API call. A provider or model
// string that lib/span.js marks as equal to the one it passed last time is not converted again:
// this module instance's copy is used, provided that copy came from the same lib/span.js state
// (its `owner` number; two states sharing one addon instance never mix their strings). Layout
// of the buffer (`__recordLlmArgs`): `RECORD_SLOTS` doubles (key, duration_ms, history_size,
// ttft_ms, input_tokens, output_tokens, cached_input_tokens, owner), then one tag byte per double
// and one per string (provider, model).

/// Doubles of the scratch buffer.
const RECORD_SLOTS: usize = 8;
/// The slot of the owner number of the strings' tags.
const OWNER: usize = 7;
/// Byte size of the scratch buffer: the doubles, their tags and the two string tags.
const RECORD_BYTES: usize = RECORD_SLOTS * 8 + 16;
/// Tag of a double: omitted (`undefined`/`null`), a number, or some other type.
const TAG_OMITTED: u8 = 0;
const TAG_NUMBER: u8 = 1;
/// Tag of a string: 0 = convert the argument, 1 = the same string as the owner's previous call.
const TAG_SAME: u8 = 1;

/// One module instance's scratch buffer and string copies (the callback's data pointer).
struct RecordArgs {
    buf: *mut u8,
    /// The owner number of the lib/span.js state the copies below came from.
    owner: std::cell::Cell<f64>,
    provider: std::cell::RefCell<String>,
    model: std::cell::RefCell<Option<String>>,
}

impl RecordArgs {
    fn tag(&self, i: usize) -> u8 {
        // SAFETY: `buf` is the RECORD_BYTES-long backing store of the ArrayBuffer this instance
        // keeps referenced; the JS thread that owns it is the one running this callback.
        unsafe { self.buf.add(RECORD_SLOTS * 8 + i).read() }
    }

    fn double(&self, i: usize) -> f64 {
        // SAFETY: as in `tag`; slot `i < RECORD_SLOTS`.
        unsafe { self.buf.cast::<f64>().add(i).read_unaligned() }
    }

    /// Double `i` when given (None when omitted), or the binding's type error.
    fn opt_number(&self, i: usize, name: &'static str) -> Result<Option<f64>> {
        match self.tag(i) {
            TAG_OMITTED => Ok(None),
            TAG_NUMBER => Ok(Some(self.double(i))),
            _ => Err(invalid(name, "must be a number")),
        }
    }

    fn opt_count(&self, i: usize, name: &'static str) -> Result<Option<u64>> {
        self.opt_number(i, name)?.map(|v| to_u64(name, v)).transpose()
    }
}

unsafe extern "C" fn call_record_llm(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let body = || {
        let mut argv: Args<2> = [ptr::null_mut(); 2];
        let mut argc = 2;
        let mut data = ptr::null_mut();
        let st = unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
        if st != sys::Status::napi_ok || data.is_null() {
            return Err(invalid("arguments", "could not be read"));
        }
        // SAFETY: the data pointer registered with this function (see `register_record_llm`).
        let r = unsafe { &*data.cast::<RecordArgs>() };
        // The strings first: lib/span.js counts on this instance's copies being updated. Copies
        // of another owner are never reused (the arguments are always passed).
        let owner = r.double(OWNER);
        let same_owner = r.tag(OWNER) == TAG_NUMBER && r.owner.get() == owner;
        r.owner.set(if r.tag(OWNER) == TAG_NUMBER { owner } else { f64::NAN });
        if !same_owner || r.tag(RECORD_SLOTS) != TAG_SAME {
            // An emptied copy until the new one is read, so a failed read never leaves a stale one.
            r.provider.borrow_mut().clear();
            let provider = unsafe { string(env, argv[0], "provider") }?;
            *r.provider.borrow_mut() = provider;
        }
        if !same_owner || r.tag(RECORD_SLOTS + 1) != TAG_SAME {
            *r.model.borrow_mut() = None;
            let model = if unsafe { is_nullish(env, argv[1]) } {
                None
            } else {
                Some(unsafe { string(env, argv[1], "model") }?)
            };
            *r.model.borrow_mut() = model;
        }
        if r.tag(0) != TAG_NUMBER {
            return Err(invalid("call", "must be a number"));
        }
        let key = r.double(0);
        let Some(duration_ms) = r.opt_number(1, "duration_ms")? else {
            return Err(invalid("duration_ms", "must be a number"));
        };
        let history_size = r.opt_count(2, "history_size")?;
        let ttft_ms = r.opt_number(3, "ttft_ms")?;
        let input_tokens = r.opt_count(4, "input_tokens")?;
        let output_tokens = r.opt_count(5, "output_tokens")?;
        let cached_input_tokens = r.opt_count(6, "cached_input_tokens")?;
        let (provider, model) = (r.provider.borrow(), r.model.borrow());
        let record = LlmRecord {
            model: model.as_deref(),
            history_size,
            ttft_ms,
            input_tokens,
            output_tokens,
            cached_input_tokens,
        };
        with_live(key, |c, _| c.record_llm(&provider, duration_ms, record).js())
    };
    unsafe { run(env, body) }
}

unsafe extern "C" fn free_record_args(arg: *mut std::ffi::c_void) {
    // SAFETY: the Box leaked by `register_record_llm`, freed once when its environment ends.
    drop(unsafe { Box::from_raw(arg.cast::<RecordArgs>()) });
}

/// Adds `__callRecordLlm` and its scratch buffer `__recordLlmArgs` (an ArrayBuffer) to the
/// exports.
fn register_record_llm(env: sys::napi_env, exports: sys::napi_value) -> bool {
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    let mut buffer_ref = ptr::null_mut();
    let mut f = ptr::null_mut();
    unsafe {
        if sys::napi_create_arraybuffer(env, RECORD_BYTES, &mut data, &mut buffer) != sys::Status::napi_ok
            || sys::napi_create_reference(env, buffer, 1, &mut buffer_ref) != sys::Status::napi_ok
        {
            return false;
        }
        let args = Box::into_raw(Box::new(RecordArgs {
            buf: data.cast(),
            owner: std::cell::Cell::new(f64::NAN),
            provider: Default::default(),
            model: Default::default(),
        }));
        let name = "__callRecordLlm\0";
        sys::napi_add_env_cleanup_hook(env, Some(free_record_args), args.cast()) == sys::Status::napi_ok
            && sys::napi_create_function(
                env,
                name.as_ptr().cast(),
                (name.len() - 1) as isize,
                Some(call_record_llm),
                args.cast(),
                &mut f,
            ) == sys::Status::napi_ok
            && sys::napi_set_named_property(env, exports, name.as_ptr().cast(), f) == sys::Status::napi_ok
            && sys::napi_set_named_property(env, exports, c"__recordLlmArgs".as_ptr(), buffer) == sys::Status::napi_ok
    }
}

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Names are NUL-terminated for `napi_set_named_property`.
const FAST: &[(&str, Callback)] = &[
    ("__spanEnd\0", span_end),
    ("__spanFirstToken\0", span_first_token),
    ("__spanFirstByte\0", span_first_byte),
    ("__spanSilenceMs\0", span_silence_ms),
    ("__spanUsage\0", span_usage),
    ("__spanTranscript\0", span_transcript),
    ("__callStt\0", call_stt),
    ("__callEndpoint\0", call_endpoint),
    ("__callLlm\0", call_llm),
    ("__callTts\0", call_tts),
];

/// Adds the hand-registered functions to the module's exports.
#[napi(module_exports)]
pub fn register_fast_path(exports: Object, env: Env) -> napi::Result<()> {
    for (name, cb) in FAST {
        let mut f = ptr::null_mut();
        let len = (name.len() - 1) as isize;
        let ok = unsafe {
            sys::napi_create_function(env.raw(), name.as_ptr().cast(), len, Some(*cb), ptr::null_mut(), &mut f)
                == sys::Status::napi_ok
                && sys::napi_set_named_property(env.raw(), exports.raw(), name.as_ptr().cast(), f)
                    == sys::Status::napi_ok
        };
        if !ok {
            return Err(napi::Error::from_reason(format!("could not register {}", name.trim_end_matches('\0'))));
        }
    }
    if !register_record_llm(env.raw(), exports.raw()) {
        return Err(napi::Error::from_reason("could not register __callRecordLlm"));
    }
    Ok(())
}
