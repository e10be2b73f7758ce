"""The code blocks of the READMEs, extracted once for the docs and the dist tests.

Blocks tagged ``python``, ``js`` (CommonJS; ESM when it uses ``import … from``), ``c`` and
``rust`` always run; ``sh`` blocks only when the line before the fence is ``<!-- run -->``.
Untagged blocks are text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ["README.md", "bindings/python/README.md", "bindings/node/README.md", "examples/c/README.md"]
FENCE = re.compile(r"^```(\w*)\s*$")
RUN_MARK = "<!-- run -->"
RUNNABLE = ("python", "js", "c", "rust")


@dataclass(frozen=True)
class Snippet:
    doc: str
    line: int
    lang: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}:{self.lang}"

    @property
    def esm(self) -> bool:
        """A JS block written as an ES module."""
        return re.search(r"^import .* from ['\"]", self.code, re.M) is not None


def snippets(docs=DOCS) -> list[Snippet]:
    """Every block to run, in document order."""
    out = []
    for doc in docs:
        lines = (ROOT / doc).read_text().splitlines()
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                i += 1
                continue
            lang, start = m.group(1), i
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            code = "\n".join(lines[start + 1:j]) + "\n"
            marked = start > 0 and lines[start - 1].strip() == RUN_MARK
            if lang in RUNNABLE or (lang == "sh" and marked):
                out.append(Snippet(doc, start + 1, lang, code))
            i = j + 1
    return out
