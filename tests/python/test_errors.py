"""Bad arguments give clear Python exceptions: TypeError for wrong types and None, and the
patter.PatterError hierarchy (which also derives from the matching builtin) for bad values."""

import math

import pytest

import patter
from patter import errors

REQ = dict(direction="inbound", provider_mode="pipeline")


def test_hierarchy():
    assert issubclass(errors.InvalidArgumentError, (patter.PatterError, ValueError))
    assert issubclass(errors.ConfigError, ValueError) and issubclass(errors.StateError, RuntimeError)
    assert issubclass(errors.StorageError, OSError) and issubclass(errors.CorruptDataError, ValueError)
    assert issubclass(errors.ExporterError, patter.PatterError)
    for name in errors.__all__:
        assert getattr(patter, name) is getattr(errors, name)


@pytest.mark.parametrize("bad", [None, 42, b"CA1", ["CA1"]])
def test_wrong_types_are_type_errors(bad):
    with pytest.raises(TypeError):
        patter.Call(bad, **REQ)
    call = patter.Call("CA-types", **REQ)
    with pytest.raises(TypeError):
        call.llm(bad)
    with pytest.raises(TypeError):
        call.tts("openai", bad)
    call.end()


def test_missing_required_arguments():
    with pytest.raises(TypeError):
        patter.Call("CA-missing")  # direction and provider_mode are required
    with pytest.raises(TypeError):
        patter.Call("CA-missing", "inbound", "pipeline")  # keyword-only


@pytest.mark.parametrize("call_id,argument", [("", "call_id"), ("x" * 20_000, "call_id")])
def test_bad_ids_name_the_argument(call_id, argument):
    with pytest.raises(patter.InvalidArgumentError) as info:
        patter.Call(call_id, **REQ)
    assert info.value.argument == argument
    assert argument in str(info.value)


@pytest.mark.parametrize("hostile", ["../../etc/passwd", "CA/..", "CA\nX-Injected: 1", "📞", "C" * 16_384])
def test_hostile_but_valid_ids_are_kept_verbatim(hostile, collector):
    call = patter.Call(hostile, **REQ)
    assert call.call_id == hostile
    call.end()
    spans = collector.of_call(hostile)
    assert spans and spans[0].attributes["getpatter.call.id"] == hostile


def test_lone_surrogates_cannot_be_encoded():
    with pytest.raises(UnicodeEncodeError):
        patter.Call("CA\ud800", **REQ)


def test_bad_values():
    with pytest.raises(patter.InvalidArgumentError, match="direction"):
        patter.Call("CA-dir", direction="sideways", provider_mode="pipeline")
    with pytest.raises(patter.InvalidArgumentError, match='unknown key "colour"'):
        patter.Call("CA-agent", agent={"colour": "red"}, **REQ)
    for key in ("Voice", "stt-provider"):
        with pytest.raises(patter.InvalidArgumentError, match="agent"):
            patter.Call("CA-agent", agent={key: "x"}, **REQ)
    with pytest.raises(TypeError):
        patter.Call("CA-agent", agent={"voice": 3}, **REQ)
    with pytest.raises(TypeError):
        patter.Call("CA-agent", agent=["voice"], **REQ)
    with pytest.raises(patter.InvalidArgumentError, match="realtime_model"):
        patter.Call("CA-rt", realtime_model="gpt-realtime", **REQ)
    with pytest.raises(TypeError):
        patter.Call("CA-clock", clock=123, **REQ)
    call = patter.Call("CA-values", **REQ)
    with pytest.raises(patter.InvalidArgumentError, match="provider"):
        call.stt("")
    with pytest.raises(patter.InvalidArgumentError, match="history_size"):
        call.llm("openai", history_size=-1)
    with call.llm("openai") as llm:
        with pytest.raises(patter.InvalidArgumentError, match="input_tokens"):
            llm.usage(-1, 0)
        with pytest.raises(OverflowError):
            llm.usage(2**70, 0)
    with call.endpoint() as ep:
        for bad in (math.nan, math.inf, -1.0):
            with pytest.raises(patter.InvalidArgumentError, match="silence_ms"):
                ep.silence_ms(bad)
        with pytest.raises(TypeError):
            ep.silence_ms("120")
    with pytest.raises(patter.InvalidArgumentError, match="type"):
        call.event("")
    with pytest.raises(TypeError):
        call.event("custom", {1: "int key"})
    with pytest.raises(TypeError):
        call.event("custom", {"obj": object()})
    with pytest.raises(patter.InvalidArgumentError):
        call.event("custom", {"x": math.nan})
    with pytest.raises(TypeError):
        call.event("custom", "not a dict")
    with pytest.raises(patter.InvalidArgumentError, match="code"):
        call.error("")
    with pytest.raises(patter.InvalidArgumentError, match="error"):
        call.end(error="")
    assert not call.is_ended  # a rejected end() changes nothing
    call.end()


def test_deeply_nested_event_data_is_rejected_not_crashing():
    call = patter.Call("CA-deep", **REQ)
    data = {}
    node = data
    for _ in range(200):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(patter.InvalidArgumentError, match="nested"):
        call.event("deep", data)
    call.end()


def test_huge_text_is_rejected_with_the_limit():
    call = patter.Call("CA-huge", **REQ)
    with pytest.raises(patter.InvalidArgumentError, match="limit"):
        call.tts("openai", "x" * (16 * 1024 * 1024 + 1))
    call.end()


def test_exporter_must_be_callable_or_have_export():
    from patter.observability import attach_span_exporter
    with pytest.raises(TypeError, match="export"):
        attach_span_exporter(object())
    with pytest.raises(TypeError):
        attach_span_exporter(print, side=5)


def test_tracing_argument_errors():
    from patter.observability import force_flush, init_tracing
    with pytest.raises(TypeError):
        init_tracing(resource_attributes={"k": 1})
    with pytest.raises(TypeError):
        init_tracing(headers=["a=b"])
    with pytest.raises(patter.InvalidArgumentError, match="timeout"):
        force_flush(-1)


def test_help_shows_the_real_signatures():
    import inspect
    import pydoc

    sig = str(inspect.signature(patter.Call))
    assert sig.startswith("(call_id, *, direction, provider_mode, side=None"), sig
    assert "(call_id, *, direction, provider_mode" in pydoc.render_doc(patter.Call)
    call = patter.Call("CA-sig", direction="inbound", provider_mode="pipeline")
    try:
        assert str(inspect.signature(call.llm)) == "(provider, model=None, history_size=None)"
        assert str(inspect.signature(call.tts)) == "(provider, text, model=None)"
    finally:
        call.end()


def test_error_codes_come_from_the_core_table():
    from pathlib import Path

    from patter import _native

    rows = {name: (code, status, cls) for name, code, status, _meaning, cls in _native.ERROR_CODES}
    assert errors.InvalidArgumentError.code == rows["INVALID_ARGUMENT"][0] == "PATTER_INVALID_ARGUMENT"
    header = (Path(__file__).resolve().parents[2] / "include" / "patter.h").read_text()
    for name, (code, status, cls) in rows.items():
        assert code == f"PATTER_{name}"
        assert f"PATTER_STATUS_{name} = {status}," in header, name
        if cls is not None:
            assert getattr(errors, cls).code == code
    classes = {getattr(errors, n) for n in errors.__all__} - {errors.PatterError}
    assert {c.code for c in classes} <= {code for code, _, _ in rows.values()}
    assert errors.PatterError.code is None
    with pytest.raises(patter.InvalidArgumentError) as info:
        patter.Call("", **REQ)
    assert info.value.code == "PATTER_INVALID_ARGUMENT"
    call = patter.Call("CA-code", **REQ)
    call.end()
    with pytest.raises(patter.StateError) as info:
        call.end()
    assert info.value.code == rows["STATE"][0]


def test_type_errors_name_the_argument_in_the_message():
    """A wrong-type argument's TypeError (or an int too large for it, OverflowError) says which
    argument, in ``str(e)`` (not only in a traceback note), in the core's wording for argument
    errors."""
    from patter.observability import force_flush

    call = patter.Call("CA-typenames", **REQ)
    cases = [
        (lambda: patter.Call(5, **REQ), "call_id"),
        (lambda: patter.Call(None, **REQ), "call_id"),
        (lambda: patter.Call("CA-t", direction=1, provider_mode="pipeline"), "direction"),
        (lambda: patter.Call("CA-t", clock=123, **REQ), "clock"),
        (lambda: call.llm(5), "provider"),
        (lambda: call.llm("openai", history_size="3"), "history_size"),
        (lambda: call.tts("openai", b"text"), "text"),
        (lambda: patter.ManualClock("0"), "start_ms"),
        (lambda: force_flush("1"), "timeout_ms"),
    ]
    try:
        for f, argument in cases:
            with pytest.raises(TypeError) as info:
                f()
            assert not isinstance(info.value, patter.PatterError)
            assert str(info.value).startswith(f"invalid argument `{argument}`: "), str(info.value)
        with call.endpoint() as ep:
            with pytest.raises(TypeError, match="^invalid argument `ms`: "):
                ep.silence_ms("120")
        # Ints that do not fit the argument's type: OverflowError, named the same way.
        with pytest.raises(OverflowError, match="^invalid argument `history_size`: "):
            call.llm("openai", history_size=2**70)
        with pytest.raises(OverflowError, match="^invalid argument `start_ms`: "):
            patter.ManualClock(-1)
    finally:
        call.end()


def test_every_native_function_goes_through_the_naming_extractor():
    """The mechanism above only covers what carries ``#[crate::args::name_arguments]``: every
    ``#[pymethods]`` block and ``#[pyfunction]`` of the binding must."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "bindings" / "python" / "src"
    missing = []
    for path in sorted(src.glob("*.rs")):
        lines = [line.strip() for line in path.read_text().splitlines()]
        for i, line in enumerate(lines):
            if line in ("#[pymethods]", "#[pyfunction]") and lines[i - 1] != "#[crate::args::name_arguments]":
                missing.append(f"{path.name}:{i + 1}")
    assert not missing, missing


def test_agent_keys_in_either_naming_convention_as_in_node():
    # The core decides which agent keys exist, for every language alike.
    store = patter.MetricsStore()
    agent = {"voice": "nova", "sttProvider": "deepgram", "tts_provider": "elevenlabs", "model": None}
    patter.Call("CA-agent-keys", agent=agent, store=store, logger=patter.CallLogger(False), **REQ).end()
    assert store.get_call("CA-agent-keys")["agent"] == {
        "voice": "nova", "stt_provider": "deepgram", "tts_provider": "elevenlabs"}


def test_an_unknown_keyword_is_an_error_as_an_unknown_option_key_is_in_node():
    # Node rejects an options key that is none of the options (PATTER_INVALID_ARGUMENT); Python's
    # keyword arguments give the same verdict (TypeError) for the same misspellings.
    from patter.observability import init_tracing
    with pytest.raises(TypeError, match="otlp_endpont"):
        init_tracing(otlp_endpont="http://127.0.0.1:4318")
    call = patter.Call("CA-unknown-kw", logger=patter.CallLogger(False), **REQ)
    for use in (lambda: call.stt("deepgram", bogus=1), lambda: call.record_llm("openai", 1.0, bogus=1),
                lambda: call.end(bogus=1), lambda: patter.MetricsStore(bogus=1)):
        with pytest.raises(TypeError, match="bogus"):
            use()
    call.end()


class _Mine(Exception):
    """An exception of the host's own, raised from inside an argument."""


def test_the_hosts_own_exceptions_pass_through_untouched_as_in_node():
    # Raised by the host's code while patter converts an argument: the same object, no code
    # added (tests/node/errors.test.js checks the same of getters and Proxy traps).
    class FsPath:
        def __fspath__(self):
            raise mine

    class Index:
        def __index__(self):
            raise mine

    class Float:
        def __float__(self):
            raise mine

    call = patter.Call("CA-host-exc", **REQ)
    try:
        cases = [
            ("file path", lambda: patter.observability.init_tracing(file=FsPath())),
            ("history size", lambda: call.record_llm("openai", 1.0, "m", Index())),
            ("duration", lambda: call.record_llm("openai", Float())),
        ]
        for what, f in cases:
            mine = _Mine(what)
            with pytest.raises(_Mine) as caught:
                f()
            assert caught.value is mine, what
            assert getattr(caught.value, "code", None) is None, what
    finally:
        call.end()
