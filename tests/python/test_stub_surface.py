"""The hand-written stub ``patter/_native.pyi`` matches the native module it describes: every
public class, function and method of ``patter._native`` is declared in the stub, and every class
and function the stub declares exists (type aliases excepted). A native method added without
its stub, or a stub entry left behind by a removed one, fails here."""

from __future__ import annotations

import ast
import inspect
import pathlib

import patter
import patter._native as native

DUNDERS = {"__enter__", "__exit__", "__len__", "__iter__", "__next__", "__call__"}


def _stub() -> tuple[dict[str, set[str]], set[str]]:
    tree = ast.parse((pathlib.Path(patter.__file__).parent / "_native.pyi").read_text())
    classes: dict[str, set[str]] = {}
    functions: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = {b.name for b in node.body if isinstance(b, ast.FunctionDef)}
            members |= {b.target.id for b in node.body if isinstance(b, ast.AnnAssign) and isinstance(b.target, ast.Name)}
            classes[node.name] = members
        elif isinstance(node, ast.FunctionDef):
            functions.add(node.name)
    return classes, functions


def _runtime() -> tuple[dict[str, set[str]], set[str]]:
    classes: dict[str, set[str]] = {}
    functions: set[str] = set()
    for name, obj in vars(native).items():
        if name.startswith("_"):
            continue
        if inspect.isclass(obj):
            classes[name] = {m for m in vars(obj) if not m.startswith("_") or m in DUNDERS}
        elif callable(obj):
            functions.add(name)
    return classes, functions


def test_every_native_function_and_class_is_in_the_stub_and_back():
    s_classes, s_functions = _stub()
    r_classes, r_functions = _runtime()
    assert sorted(r_functions - s_functions) == [], "native functions missing from _native.pyi"
    assert sorted(s_functions - r_functions) == [], "_native.pyi declares functions the module lacks"
    assert sorted(set(r_classes) - set(s_classes)) == [], "native classes missing from _native.pyi"
    assert sorted(set(s_classes) - set(r_classes)) == [], "_native.pyi declares classes the module lacks"


def test_every_native_method_is_in_the_stub_and_back():
    s_classes, _ = _stub()
    r_classes, _ = _runtime()
    drift = {}
    for name in sorted(set(s_classes) & set(r_classes)):
        # Exceptions' inherited members (args, with_traceback, …) are not the module's own.
        runtime = r_classes[name]
        stub = {m for m in s_classes[name] if not m.startswith("__") or m in DUNDERS}
        if runtime - stub or stub - runtime:
            drift[name] = {"not in stub": sorted(runtime - stub), "not in module": sorted(stub - runtime)}
    assert drift == {}, drift
