"""The Node package has exactly the shape core/api/manifest.json gives the API: every function,
class, method, getter and static of the manifest's Node surface exists at run time (the real
addon, loaded by node) and is declared in index.d.ts with the manifest's parameters, camelCased,
in order; optional positionals are `name?`, options are the fields of one trailing options
object; and the package exports nothing the manifest lacks (beyond the documented JS-only
helpers and the span catalogue constants)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "api"))
import manifest  # noqa: E402

PKG = pathlib.Path(os.environ.get("PATTER_NODE_PKG", REPO / "bindings" / "node"))
API = manifest.load()

# Exported by the package but not part of the cross-language API shape: the current-call
# helpers of AsyncLocalStorage (Python has the same through contextvars, in pure Python), the
# error code table, and `Call.run` / `Call.start` (JS idioms over the same constructor).
JS_ONLY_EXPORTS = {
    "currentCall", "currentCallId", "currentSide", "startTurn", "endTurn", "stt", "endpoint", "llm",
    "tts", "bargein", "tool", "event", "error", "ErrorCode",
}
JS_ONLY_MEMBERS = {"Call": {"run", "start"}}

DUMP = r"""
const p = require(process.argv[1])
const out = { functions: [], classes: {}, constants: [] }
for (const [k, v] of Object.entries(p)) {
  if (typeof v === 'function' && /^[A-Z]/.test(k)) {
    const proto = {}
    for (const name of Object.getOwnPropertyNames(v.prototype || {})) {
      if (name === 'constructor') continue
      const d = Object.getOwnPropertyDescriptor(v.prototype, name)
      proto[name] = d.get ? 'getter' : typeof d.value === 'function' ? 'method' : 'value'
    }
    const statics = Object.getOwnPropertyNames(v).filter(n => typeof v[n] === 'function')
    out.classes[k] = { proto, statics }
  } else if (typeof v === 'function') {
    out.functions.push(k)
  } else {
    out.constants.push(k)
  }
}
process.stdout.write(JSON.stringify(out))
"""


@pytest.fixture(scope="module")
def runtime():
    res = subprocess.run(["node", "-e", DUMP, str(PKG)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def dts():
    return (PKG / "index.d.ts").read_text()


def _blocks(dts: str, kind: str, name: str) -> list:
    """Bodies of every `export declare class Name {` / `export interface Name {` block."""
    out = []
    for m in re.finditer(rf"^export (?:declare )?{kind} {name}\b[^{{]*\{{\n(.*?)^\}}", dts, re.S | re.M):
        out.append(m.group(1))
    return out


def _strip_comments(text: str) -> str:
    return re.sub(r"^\s*//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S), flags=re.M)


def _params(text: str) -> list:
    """`[(name, optional, type)]` of a parameter list."""
    out = []
    depth, cleaned = 0, ""
    for ch in " ".join(text.split()).replace("=>", "returns"):  # drop nested parentheses (function types)
        depth += ch == "("
        if depth == 0:
            cleaned += ch
        depth -= ch == ")"
    for part in manifest.split_top(cleaned):
        m = re.match(r"(\w+)(\??):\s*(.+)$", part)
        assert m, f"cannot read parameter {part!r}"
        out.append((m[1], bool(m[2]), m[3]))
    return out


def _declaration(dts: str, cls: str | None, name: str, static: bool = False):
    """The parameter list text of a declared function or method (None when not declared)."""
    bodies = [dts] if cls is None else [_strip_comments(b) for b in _blocks(dts, "(?:class|interface)", cls)]
    prefix = r"^export declare function " if cls is None else (r"^\s+static " if static else r"^\s+")
    for body in bodies:
        m = re.search(prefix + re.escape(name) + r"(?:<[^>]*>)?\(", body, re.M)
        if m:
            depth, i = 1, m.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(body[i], 0)
                i += 1
            return body[m.end() : i - 1]
    return None


def _interface_fields(dts: str, type_text: str) -> dict:
    """`{field: optional}` of the options interface a parameter is typed with."""
    iface = re.match(r"(\w+)", type_text)[1]
    blocks = _blocks(dts, "interface", iface)
    assert blocks, f"interface {iface} not declared"
    fields = {}
    for line in _strip_comments(blocks[0]).splitlines():
        m = re.match(r"\s+(\w+)(\??):", line)
        if m:
            fields[m[1]] = bool(m[2])
    return fields


def _check(dts: str, where: str, member: manifest.Member, declared: str | None) -> list:
    if declared is None:
        return [f"{where}: not declared in index.d.ts"]
    have = _params(declared)
    if member.all_options:
        if len(have) != 1:
            return [f"{where}: takes one options object, declared {have}"]
        want = {manifest.camel(p.name): p.omittable for p in member.params}
        got = _interface_fields(dts, have[0][2])
        return [] if got == want else [f"{where}: options {got}, manifest {want}"]
    positional = [p for p in member.params if p.positional]
    options = [p for p in member.params if not p.positional]
    want_pos = [(manifest.camel(p.name), p.omittable) for p in positional]
    got_pos = [(n, o) for n, o, _ in have[: len(positional)]]
    problems = []
    if got_pos != want_pos:
        problems.append(f"{where}: positional {got_pos}, manifest {want_pos}")
    rest = have[len(positional):]
    if options:
        if len(rest) != 1 or rest[0][0] != "options":
            return problems + [f"{where}: options {[p.name for p in options]} need one trailing `options`, got {rest}"]
        want = {manifest.camel(p.name): p.omittable for p in options}
        got = _interface_fields(dts, rest[0][2])
        if got != want:
            problems.append(f"{where}: options {got}, manifest {want}")
        if rest[0][1] != all(p.omittable for p in options):
            problems.append(f"{where}: `options` optional={rest[0][1]}")
    elif rest:
        problems.append(f"{where}: extra parameters {rest}")
    return problems


def test_every_manifest_function_exists_and_is_declared(runtime, dts):
    problems = []
    for f in API.functions:
        if not f.in_lang("node"):
            continue
        name = manifest.node_name(f)
        if name not in runtime["functions"]:
            problems.append(f"missing function {name}")
        problems += _check(dts, name, f, _declaration(dts, None, name))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("cls", [c for c in API.classes if "node" in c.langs], ids=lambda c: c.name)
def test_every_manifest_class_has_its_members(runtime, dts, cls):
    have = runtime["classes"].get(cls.name)
    assert have is not None, f"missing class {cls.name}"
    problems = []
    for m in cls.members:
        if not m.in_lang("node"):
            continue
        name = manifest.node_name(m)
        where = f"{cls.name}.{name}"
        if m.kind == "new":
            problems += _check(dts, where, m, _declaration(dts, cls.name, "constructor"))
        elif m.kind == "prop":
            if have["proto"].get(name) != "getter" and not re.search(
                rf"^\s+(?:readonly )?{name}:", "\n".join(_blocks(dts, "class", cls.name)), re.M
            ):
                problems.append(f"{where}: missing getter")
        elif m.kind == "static":
            if name not in have["statics"]:
                problems.append(f"{where}: missing static")
            problems += _check(dts, where, m, _declaration(dts, cls.name, name, static=True))
        else:
            if have["proto"].get(name) != "method":
                problems.append(f"{where}: missing method")
            problems += _check(dts, where, m, _declaration(dts, cls.name, name))
    assert problems == [], "\n".join(problems)


def test_the_package_has_nothing_the_manifest_lacks(runtime):
    functions = {manifest.node_name(f) for f in API.functions if f.in_lang("node")}
    classes = {
        c.name: {manifest.node_name(m) for m in c.members if m.in_lang("node") and m.kind != "new"}
        for c in API.classes
        if "node" in c.langs
    }
    extra = sorted(set(runtime["functions"]) - functions - JS_ONLY_EXPORTS)
    for name, have in runtime["classes"].items():
        if name in JS_ONLY_EXPORTS or name.endswith("Task"):
            continue  # napi-rs's AsyncTask classes behind the Promise-returning functions
        if name not in classes:
            extra.append(f"class {name}")
            continue
        members = set(have["proto"]) | set(have["statics"])
        members -= {m for m in members if m.startswith("__")}
        extra += [f"{name}.{m}" for m in sorted(members - classes[name] - JS_ONLY_MEMBERS.get(name, set()))]
    assert extra == [], "not in core/api/manifest.json: " + ", ".join(extra)
