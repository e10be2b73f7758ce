"""Reads core/api/manifest.json, the one shape of libpatter's public API, into plain objects.

The surface tests of every binding (tests/python/test_api_surface.py, tests/surface/) and the
Python stub generator (tools/api/gen_pyi.py) read the API through this module, so the syntax
described in the manifest's ``about`` is parsed in one place.
"""

from __future__ import annotations

import json
import pathlib
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

REPO = pathlib.Path(__file__).resolve().parents[2]
MANIFEST = REPO / "core" / "api" / "manifest.json"
LANGS = ("python", "node", "c")

_SIG = re.compile(r"^(?:(?P<mod>prop|static)\s+)?(?P<name>\w+)(?:\((?P<params>.*)\))?\s*(?:->|:)\s*(?P<ret>.+)$")
_PARAM = re.compile(r"^(?P<mark>\*{0,2})(?P<name>\w+)(?P<opt>\??):\s*(?P<type>.+)$")


@dataclass(frozen=True)
class Param:
    """One parameter: ``kind`` is ``required``, ``optional`` (positional), ``option`` or
    ``required_option``."""

    name: str
    type: str
    kind: str

    @property
    def omittable(self) -> bool:
        """Whether the caller may leave it out (then the core applies its default)."""
        return self.kind in ("optional", "option")

    @property
    def positional(self) -> bool:
        """Whether Node takes it positionally (else inside the trailing options object)."""
        return self.kind in ("required", "optional")


@dataclass
class Member:
    """A function, method, property, static method or constructor."""

    name: str
    kind: str  # "function", "method", "prop", "static", "new"
    params: List[Param]
    returns: str
    langs: tuple
    spelled: Dict[str, object] = field(default_factory=dict)
    all_options: bool = False
    why: Optional[str] = None
    c_options: Optional[str] = None
    c_omits: tuple = ()

    def in_lang(self, lang: str) -> bool:
        """Whether the member exists in ``lang`` (``c: false`` removes it from C)."""
        return lang in self.langs and self.spelled.get(lang) is not False


@dataclass
class ApiClass:
    """A class and its members."""

    name: str
    doc: str
    c_prefix: Optional[str]
    langs: tuple
    members: List[Member]


@dataclass
class Api:
    """The whole manifest."""

    functions: List[Member]
    classes: List[ApiClass]

    def cls(self, name: str) -> ApiClass:
        """The class called ``name``."""
        return next(c for c in self.classes if c.name == name)


def split_top(text: str, sep: str = ",") -> List[str]:
    """Splits ``text`` on ``sep`` outside ``<...>`` and quotes."""
    parts, depth, quoted, cur = [], 0, False, ""
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def parse_param(text: str) -> Param:
    """``name: T``, ``name?: T``, ``*name: T`` or ``**name: T``."""
    m = _PARAM.match(text)
    if not m:
        raise ValueError(f"bad parameter {text!r}")
    mark, opt = m["mark"], m["opt"]
    if mark == "**":
        kind = "required_option"
    elif mark == "*":
        kind = "option"
    elif opt:
        kind = "optional"
    else:
        kind = "required"
    return Param(m["name"], m["type"].strip(), kind)


def parse_member(entry: dict, default_langs: tuple) -> Member:
    """One ``{"sig": ...}`` entry."""
    m = _SIG.match(entry["sig"])
    if not m:
        raise ValueError(f"bad signature {entry['sig']!r}")
    mod, name = m["mod"], m["name"]
    if mod == "prop":
        kind = "prop"
    elif mod == "static":
        kind = "static"
    elif name == "new":
        kind = "new"
    else:
        kind = "method"
    params = [parse_param(p) for p in split_top(m["params"] or "")]
    seen_option = False
    for p in params:
        if p.kind in ("option", "required_option"):
            seen_option = True
        elif seen_option:
            raise ValueError(f"{name}: positional parameter {p.name} after an option")
    spelled = {lang: entry[lang] for lang in ("node", "c", "python") if lang in entry}
    return Member(
        name=name,
        kind=kind,
        params=params,
        returns=m["ret"].strip(),
        langs=tuple(entry.get("langs", default_langs)),
        spelled=spelled,
        all_options=bool(entry.get("all_options")),
        why=entry.get("why"),
        c_options=entry.get("c_options"),
        c_omits=tuple(entry.get("c_omits", ())),
    )


def load(path: pathlib.Path = MANIFEST) -> Api:
    """Parses the manifest."""
    raw = json.loads(path.read_text())
    functions = []
    for f in raw["functions"]:
        member = parse_member(f, LANGS)
        member.kind = "function"
        functions.append(member)
    classes = []
    for c in raw["classes"]:
        langs = tuple(c.get("langs", LANGS))
        if c.get("c") is False:
            langs = tuple(lang for lang in langs if lang != "c")
        classes.append(
            ApiClass(
                name=c["name"],
                doc=c["doc"],
                c_prefix=c.get("c") or None,
                langs=langs,
                members=[parse_member(e, langs) for e in c["members"]],
            )
        )
    return Api(functions, classes)


def camel(name: str) -> str:
    """``history_size`` -> ``historySize`` (dunder names stay)."""
    if name.startswith("__"):
        return name
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def node_name(member: Member) -> str:
    """The member's Node spelling."""
    spelled = member.spelled.get("node")
    return spelled if isinstance(spelled, str) else camel(member.name)


def c_name(cls: Optional[ApiClass], member: Member) -> str:
    """The member's C function name."""
    spelled = member.spelled.get("c")
    if isinstance(spelled, str):
        return spelled
    prefix = cls.c_prefix if cls else "patter"
    suffix = "_json" if member.returns.rstrip("?") in ("record", "records") else ""
    return f"{prefix}_{member.name}{suffix}"
