"""The native module ``patter._native`` has exactly the shape core/api/manifest.json gives the API:
every class, function, method and property of the manifest's Python surface exists, with the
manifest's parameters in order, every omittable one defaulting to None (the core supplies the
default), keyword-only from the first required option on (positional-or-keyword before it); and the module has nothing the manifest lacks. The stub
``_native.pyi`` is what tools/api/gen_pyi.py generates from the manifest."""

from __future__ import annotations

import inspect
import pathlib
import sys

import pytest

import patter
import patter._native as native

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "api"))
import gen_pyi  # noqa: E402
import manifest  # noqa: E402

API = manifest.load()
P = inspect.Parameter


def _members(cls):
    return [m for m in cls.members if m.in_lang("python")]


def _check_params(where: str, member, sig: inspect.Signature) -> list:
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    problems = []
    names = [p.name for p in params]
    want = [p.name for p in member.params]
    if names != want:
        return [f"{where}: parameters {names}, manifest {want}"]
    keyword_only = False
    for have, spec in zip(params, member.params):
        keyword_only = keyword_only or spec.kind == "required_option"
        want_kind = P.KEYWORD_ONLY if keyword_only else P.POSITIONAL_OR_KEYWORD
        if have.kind != want_kind:
            problems.append(f"{where}({spec.name}): {have.kind.description}, want {want_kind.description}")
        if spec.omittable and have.default is not None:
            problems.append(f"{where}({spec.name}): default {have.default!r}; an omitted value must be None")
        if not spec.omittable and have.default is not P.empty:
            problems.append(f"{where}({spec.name}): required in the manifest but has a default")
    return problems


def test_every_manifest_function_exists_with_its_parameters():
    problems = []
    for f in API.functions:
        if not f.in_lang("python"):
            continue
        obj = getattr(native, f.name, None)
        if obj is None:
            problems.append(f"missing function {f.name}")
            continue
        problems += _check_params(f.name, f, inspect.signature(obj))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("cls", [c for c in API.classes if "python" in c.langs], ids=lambda c: c.name)
def test_every_manifest_class_has_its_members(cls):
    obj = getattr(native, cls.name, None)
    assert obj is not None, f"missing class {cls.name}"
    problems = []
    for m in _members(cls):
        where = f"{cls.name}.{m.name}"
        if m.kind == "new":
            problems += _check_params(where, m, inspect.signature(obj))
            continue
        attr = inspect.getattr_static(obj, m.name, None)
        if attr is None:
            problems.append(f"missing {where}")
        elif m.kind == "prop":
            if callable(attr) and not inspect.isdatadescriptor(attr):
                problems.append(f"{where} must be a property, not a method")
        elif m.kind == "static":
            if not isinstance(attr, staticmethod) and not inspect.isbuiltin(getattr(obj, m.name)):
                problems.append(f"{where} must be a static method")
            else:
                problems += _check_params(where, m, inspect.signature(getattr(obj, m.name)))
        elif inspect.isdatadescriptor(attr):
            problems.append(f"{where} must be a method, not a property")
        elif not m.name.startswith("__"):
            problems += _check_params(where, m, inspect.signature(getattr(obj, m.name)))
    assert problems == [], "\n".join(problems)


def test_the_module_has_nothing_the_manifest_lacks():
    functions = {f.name for f in API.functions if f.in_lang("python")}
    classes = {c.name: {m.name for m in _members(c)} for c in API.classes if "python" in c.langs}
    extra = []
    for name, obj in vars(native).items():
        if name.startswith("_") or name.isupper():
            continue  # private, and the NAMES catalogue (data, not API shape)
        if inspect.isclass(obj):
            if name not in classes:
                extra.append(f"class {name}")
                continue
            for member in vars(obj):
                if member.startswith("_") and member not in ("__enter__", "__exit__", "__len__"):
                    continue
                if member not in classes[name] and not (member == "__new__"):
                    extra.append(f"{name}.{member}")
        elif callable(obj) and name not in functions:
            extra.append(f"function {name}")
    assert extra == [], "not in core/api/manifest.json: " + ", ".join(extra)


def test_the_stub_is_generated_from_the_manifest():
    stub = REPO / "bindings" / "python" / "python" / "patter" / "_native.pyi"
    assert stub.read_text() == gen_pyi.render(API), "run `make stubs` and commit _native.pyi"
