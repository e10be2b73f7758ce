"""include/patter.h has the shape core/api/manifest.json gives the API: every function, method
and property of the manifest's C surface is declared under its C name (`<class prefix>_<name>`,
`_json` for a record result, or the manifest's spelling), with the manifest's parameters in
order after the handle: a str, path or map parameter is a pointer and a `_len`, other values
keep their name; outputs (`out_*`) come last. Constructors taking a whole options object, and
functions taking a host callback, are checked by name only (C builds options with setters and
passes callbacks with their user data); `c_options` names the options builder a C function
takes instead of the parameters; `c_omits` lists parameters C does not take yet (with `why`)."""

from __future__ import annotations

import pathlib
import re
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "api"))
import manifest  # noqa: E402

API = manifest.load()
HEADER = (REPO / "include" / "patter.h").read_text()


def _declarations() -> dict:
    """`{function: [parameter names]}` of every function the header declares."""
    text = re.sub(r"/\*.*?\*/", "", HEADER, flags=re.S)
    out = {}
    for m in re.finditer(r"\b(patter_\w+)\(([^;{]*?)\);", text, re.S):
        params = [p.strip() for p in m[2].split(",") if p.strip() and p.strip() != "void"]
        out[m[1]] = [re.findall(r"\w+", p)[-1] for p in params]
    return out


DECLARED = _declarations()


def _expected(member: manifest.Member) -> list:
    names = []
    for p in member.params:
        if p.name in member.c_omits:
            continue
        if p.type.rstrip("?") in ("str", "path", "map", "bytes"):
            names += [p.name, f"{p.name}_len"]
        else:
            names.append(p.name)
    return names


def _check(where: str, fn: str, member: manifest.Member, handle: bool) -> list:
    if fn not in DECLARED:
        return [f"{where}: {fn} not declared in patter.h"]
    if member.all_options or any(p.type.startswith("fn") for p in member.params):
        return []
    have = DECLARED[fn][1:] if handle else DECLARED[fn]
    inputs = [n for n in have if n != "out" and not n.startswith("out_")]
    if member.c_options:
        ok = inputs == ["opts"] and f"{member.c_options}_new" in DECLARED
        return [] if ok else [f"{where}: {fn}({', '.join(inputs)}) should take `opts` from {member.c_options}_new"]
    want = _expected(member)
    return [] if inputs == want else [f"{where}: {fn}({', '.join(inputs)}), manifest ({', '.join(want)})"]


def test_every_manifest_function_is_declared():
    problems = []
    for f in API.functions:
        if f.in_lang("c"):
            problems += _check(f.name, manifest.c_name(None, f), f, handle=False)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("cls", [c for c in API.classes if "c" in c.langs], ids=lambda c: c.name)
def test_every_manifest_class_member_is_declared(cls):
    problems = []
    for m in cls.members:
        if not m.in_lang("c"):
            continue
        handle = m.kind not in ("new", "static")
        problems += _check(f"{cls.name}.{m.name}", manifest.c_name(cls, m), m, handle)
    assert problems == [], "\n".join(problems)
