"""The current call is a ContextVar: asyncio tasks spawned under a call report to it."""

import asyncio
import contextvars
import random
import threading

import pytest

import patter
from patter.observability import patter_call_scope

REQ = dict(direction="inbound", provider_mode="pipeline")


def test_helpers_need_a_current_call():
    assert patter.current_call() is None and patter.current_call_id() is None
    for helper, args in [(patter.stt, ("deepgram",)), (patter.llm, ("openai",)), (patter.tts, ("x", "hi")),
                         (patter.endpoint, ()), (patter.bargein, ()), (patter.tool, ("t",)),
                         (patter.start_turn, ()), (patter.end_turn, ()), (patter.event, ("e",)),
                         (patter.error, ("c",))]:
        with pytest.raises(patter.StateError, match="no current call"):
            helper(*args)


def test_with_call_binds_and_restores():
    outer = patter.Call("CA-outer", **REQ)
    with patter.call_scope(outer) as bound:
        assert bound is outer and patter.current_call() is outer
        with patter.Call("CA-inner", **REQ) as inner:
            assert patter.current_call() is inner
            assert patter.current_call_id() == "CA-inner" and patter.current_side() == "uut"
            with pytest.raises(patter.StateError):
                inner.__enter__()  # one `with` per call; call_scope binds it again
        assert inner.is_ended
        assert patter.current_call() is outer
    assert patter.current_call() is None
    assert not outer.is_ended  # call_scope never ends a call
    outer.end()
    with pytest.raises(TypeError):
        patter.call_scope("CA-outer")


def test_patter_call_scope_finds_the_live_call_by_id():
    call = patter.Call("CA-scope", **REQ)
    with patter_call_scope(call_id="CA-scope") as bound:
        assert bound is call and patter.current_call_id() == "CA-scope"
    with patter_call_scope(call_id="CA-scope", side="uut"):
        assert patter.current_call() is call
    with pytest.raises(patter.StateError):
        patter_call_scope(call_id="CA-scope", side="driver")
    with pytest.raises(patter.InvalidArgumentError):
        patter_call_scope(call_id="")
    with pytest.raises(TypeError):
        patter_call_scope(call_id=None)
    call.end()
    with pytest.raises(patter.StateError, match="no live call"):
        patter_call_scope(call_id="CA-scope")
    a = patter.Call("CA-twice", side="uut", **REQ)
    b = patter.Call("CA-twice", side="driver", **REQ)
    with pytest.raises(patter.InvalidArgumentError, match="side"):
        patter_call_scope(call_id="CA-twice")
    with patter_call_scope(call_id="CA-twice", side="driver"):
        assert patter.current_call() is b
    a.end(), b.end()


def test_threads_get_the_call_only_through_a_copied_context():
    seen = {}
    with patter.Call("CA-thread", **REQ):
        t = threading.Thread(target=lambda: seen.setdefault("plain", patter.current_call_id()))
        t.start(), t.join()
        ctx = contextvars.copy_context()
        t = threading.Thread(target=lambda: ctx.run(lambda: seen.setdefault("copied", patter.current_call_id())))
        t.start(), t.join()
    assert seen == {"plain": None, "copied": "CA-thread"}


async def _agent(i: int) -> str:
    """One call whose work runs in spawned tasks that never see the Call object."""
    call_id = f"CA-async-{i:03d}"

    async def stt_task():
        await asyncio.sleep(random.random() / 200)
        with patter.stt("deepgram") as s:
            await asyncio.sleep(0)
            s.transcript(f"caller {i} speaks", 0.9, 1.0)

    async def llm_task():
        for _ in range(2):
            await asyncio.sleep(random.random() / 200)
            with patter.llm("openai", "gpt-4o-mini") as s:
                await asyncio.sleep(0)
                s.first_token()
                s.usage(10 + i, 1)

    async def tts_task():
        await asyncio.sleep(random.random() / 200)
        with patter.tts("elevenlabs", "x" * (i + 1)) as s:
            await asyncio.sleep(0)
            s.first_byte()

    with patter.Call(call_id, side="uut" if i % 2 else "driver", **REQ) as call:
        await asyncio.gather(stt_task(), llm_task(), tts_task())
        assert patter.current_call() is call
    return call_id


def test_100_concurrent_calls_as_asyncio_tasks(collector):
    async def main():
        return await asyncio.gather(*(asyncio.create_task(_agent(i)) for i in range(100)))

    ids = asyncio.run(main())
    spans = collector.flushed()
    by_call = {}
    for s in spans:
        by_call.setdefault(s.attributes["getpatter.call.id"], []).append(s)
    for i, call_id in enumerate(ids):
        mine = by_call[call_id]
        names = sorted(s.name for s in mine)
        assert names == sorted(["getpatter.call", "getpatter.turn", "getpatter.stt", "getpatter.llm",
                                "getpatter.llm", "getpatter.tts"]), (call_id, names)
        root = next(s for s in mine if s.name == "getpatter.call")
        assert all(s.trace_id == root.trace_id for s in mine), call_id
        side = "uut" if i % 2 else "driver"
        for s in mine:
            if "patter.call_id" in s.attributes:
                assert s.attributes["patter.call_id"] == call_id
                assert s.attributes["patter.side"] == side
        tts = next(s for s in mine if s.name == "getpatter.tts")
        assert tts.attributes["patter.cost.tts_chars"] == i + 1
        tokens = sorted(s.attributes["patter.cost.llm_input_tokens"] for s in mine if s.name == "getpatter.llm")
        assert tokens == [10 + i, 10 + i]
