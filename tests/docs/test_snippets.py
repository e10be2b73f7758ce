"""Docs run as written: every code block of the READMEs is executed, as a user would run it.

Blocks tagged ``python``, ``js`` (CommonJS; ESM when it uses ``import … from``), ``c`` and
``rust`` always run; ``sh`` blocks run only when the line before the fence is
``<!-- run -->`` (install and build instructions), in a scratch directory with ``$HOME`` set to a
fresh directory, from the repository root. Untagged blocks are text and are not run.

Each runs against what ``make test`` built and installed, never the source tree:
Python in the venv ``make test-python`` installed the wheel into, Node in the scratch project
``make test-node`` installed the packed tarball into, C against ``make install PREFIX=…`` with
the documented pkg-config command, Rust in a throwaway crate that depends on ``patter-core``.
Tracing is on (``PATTER_OTEL_ENABLED=1``) with the OTLP endpoint pointed at a real receiver, so
``init_tracing`` in a snippet really exports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, target_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from snippets import snippets  # noqa: E402


def user_env(home: Path, receiver) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PATTER_"))}
    # A fresh home, but the same Rust toolchain (rustup keeps it under the real home).
    real_home = Path.home()
    env.setdefault("RUSTUP_HOME", str(real_home / ".rustup"))
    env.setdefault("CARGO_HOME", str(real_home / ".cargo"))
    env.update(HOME=str(home), PATTER_OTEL_ENABLED="1", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint)
    return env


def run(cmd, cwd, env, timeout=600):
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                         shell=isinstance(cmd, str), executable="/bin/bash" if isinstance(cmd, str) else None)
    assert res.returncode == 0, f"{cmd} exited {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    return res


@pytest.fixture(scope="session")
def c_prefix(tmp_path_factory):
    """`make install PREFIX=…` once, as the C instructions say."""
    prefix = tmp_path_factory.mktemp("prefix")
    subprocess.run(["make", "-s", "install", f"PREFIX={prefix}"], cwd=ROOT, check=True)
    return prefix


@pytest.mark.parametrize("snippet", snippets(), ids=lambda s: s.id)
def test_snippet_runs_as_written(snippet, tmp_path, receiver, request):
    doc, line, lang, code = snippet.doc, snippet.line, snippet.lang, snippet.code
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = user_env(home, receiver)
    if lang == "python":
        py = target_dir() / "py-venv" / "bin" / "python"
        assert py.exists(), "run `make test-python` first (it installs the wheel this runs against)"
        (work / "snippet.py").write_text(code)
        run([str(py), "snippet.py"], work, env)
    elif lang == "js":
        scratch = target_dir() / "node-pkg"
        assert (scratch / "node_modules" / "patter").exists(), "run `make test-node` first"
        name = "snippet.mjs" if snippet.esm else "snippet.cjs"
        # Inside the scratch project, so `patter` resolves the way it does for a user.
        d = scratch / "snippets" / f"{tmp_path.name}"
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(code)
        run(["node", name], d, env)
    elif lang == "c":
        prefix = request.getfixturevalue("c_prefix")
        (work / "app.c").write_text(code)
        env["PKG_CONFIG_PATH"] = str(prefix / "lib" / "pkgconfig")
        # The command the README gives, with its PREFIX.
        run(f'cc app.c $(pkg-config --cflags --libs patter) -Wl,-rpath,"{prefix}/lib" -o app', work, env)
        run(["./app"], work, env)
    elif lang == "rust":
        crate = work / "snippet"
        (crate / "src").mkdir(parents=True)
        (crate / "Cargo.toml").write_text(
            '[package]\nname = "readme-snippet"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
            f'[dependencies]\npatter-core = {{ path = "{ROOT / "core"}" }}\n\n[workspace]\n'
        )
        shutil.copy(ROOT / "Cargo.lock", crate / "Cargo.lock")  # the workspace's exact versions
        (crate / "src" / "main.rs").write_text(code)
        env["CARGO_TARGET_DIR"] = str(target_dir())  # reuses the workspace's compiled dependencies
        run(["cargo", "run", "-q", "--offline"], crate, env, timeout=1200)
    elif lang == "sh":
        run("set -euo pipefail\n" + code, ROOT, env)
    else:
        pytest.fail(f"{doc}:{line}: no runner for {lang}")
    # Every snippet starts tracing as documented, so the receiver saw its spans.
    assert receiver.wait_for_spans(1, timeout=10), f"{doc}:{line}: no span reached the collector"
