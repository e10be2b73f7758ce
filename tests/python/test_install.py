"""The suite runs against the installed abi3 wheel, and the package ships types and docs."""

import inspect
import sysconfig
from pathlib import Path

import patter
import patter.observability as obs
from conftest import ROOT


def test_imported_from_the_installed_wheel_not_the_source_tree():
    pkg = Path(patter.__file__).resolve().parent
    site = {Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")}
    assert pkg.parent in site, pkg
    assert ROOT / "bindings" not in pkg.parents


def test_one_abi3_extension_named_native():
    native = Path(patter._native.__file__)
    assert native.name.startswith("_native.") and native.name.endswith(".abi3.so"), native.name
    assert patter._native.__name__ == "patter._native"


def test_typing_files_are_installed():
    pkg = Path(patter.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "_native.pyi").is_file()


def test_public_names_exist_and_are_documented():
    for mod in (patter, obs):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj):
                assert inspect.getdoc(obj), f"{mod.__name__}.{name} has no docstring"
    for cls in (patter.Call, patter.Span):
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member):
                assert inspect.getdoc(member), f"{cls.__name__}.{name} has no docstring"


def test_documented_patter_names():
    from patter.observability import (  # noqa: F401 - the import is the test
        SPAN_BARGEIN, SPAN_CALL, SPAN_ENDPOINT, SPAN_LLM, SPAN_STT, SPAN_TOOL, SPAN_TTS,
        attach_span_exporter, init_tracing, is_enabled, patter_call_scope, record_patter_attrs,
        shutdown_tracing,
    )
    assert (SPAN_CALL, SPAN_STT, SPAN_LLM, SPAN_TTS, SPAN_TOOL, SPAN_ENDPOINT, SPAN_BARGEIN) == (
        "getpatter.call", "getpatter.stt", "getpatter.llm", "getpatter.tts", "getpatter.tool",
        "getpatter.endpoint", "getpatter.bargein")
    assert obs.SPAN_TURN == "getpatter.turn"
    assert obs.ENV_FLAG == "PATTER_OTEL_ENABLED" and obs.SERVICE_NAME == "patter" and obs.DEFAULT_SIDE == "uut"


def test_persistence_names_of_the_docs():
    from patter.dashboard.store import MetricsStore
    from patter.services.call_log import CallLogger

    assert MetricsStore is patter.MetricsStore and CallLogger is patter.CallLogger
    for cls in (patter.CallLogger, patter.MetricsStore, patter.Pricing):
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member):
                assert inspect.getdoc(member), f"{cls.__name__}.{name} has no docstring"


def test_wheel_is_one_abi3_wheel_for_cpython_310_and_later():
    from importlib.metadata import distribution

    wheel = distribution("patter").read_text("WHEEL")
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    assert tags and all(t.startswith("cp310-abi3-") for t in tags), tags
