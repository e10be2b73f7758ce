"""Install like a user: each artefact of `make dist` goes into a fresh environment whose PATH has
no cargo or rustc, with no network (pip --no-index, npm --offline), and the README's snippets for
that language run against it, exporting to a real OTLP receiver."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent))
from snippets import snippets  # noqa: E402

DIST = ROOT / "dist"


def one(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    assert len(found) == 1, f"run `make dist` first: dist/{pattern} -> {found}"
    return found[0]


@pytest.fixture
def user(tmp_path, receiver):
    """A user's environment: fresh HOME, system PATH only (no Rust toolchain), tracing on."""
    home = tmp_path / "home"
    home.mkdir()
    path = os.pathsep.join(p for p in ["/usr/local/bin", "/usr/bin", "/bin"] if Path(p).is_dir())
    for tool in ("cargo", "rustc"):
        assert shutil.which(tool, path=path) is None, f"{tool} is on the user PATH {path}"
    env = {"HOME": str(home), "PATH": path, "LANG": "C.UTF-8", "PATTER_OTEL_ENABLED": "1",
           "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
    return env


def run(cmd, cwd, env, timeout=300):
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                         shell=isinstance(cmd, str), executable="/bin/bash" if isinstance(cmd, str) else None)
    assert res.returncode == 0, f"{cmd} exited {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    return res


def test_wheel_installs_without_rust_and_runs_the_python_snippets(user, tmp_path, receiver):
    wheel = one("patter-*.whl")
    assert "-cp310-abi3-manylinux" in wheel.name, wheel.name  # maturin's manylinux audit passed
    venv = tmp_path / "venv"
    # The interpreter this suite runs on (any CPython >= 3.10 would do); the venv sees only PATH.
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, user)
    run([str(venv / "bin" / "pip"), "install", "-q", "--no-index", "--disable-pip-version-check", str(wheel)],
        tmp_path, user)
    py = [s for s in snippets() if s.lang == "python"]
    assert py
    for i, s in enumerate(py):
        (tmp_path / f"s{i}.py").write_text(s.code)
        run([str(venv / "bin" / "python"), f"s{i}.py"], tmp_path, user)
    assert receiver.wait_for_spans(1, timeout=10)


def test_npm_tarball_installs_without_rust_and_runs_the_node_snippets(user, tmp_path, receiver):
    tgz = one("patter-*.tgz")
    with tarfile.open(tgz) as t:
        assert "package/patter.node" in t.getnames(), "the prebuilt addon is in the package"
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text('{"name": "app", "private": true}')
    run(["npm", "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", str(tgz)], app, user)
    js = [s for s in snippets() if s.lang == "js"]
    assert any(s.esm for s in js) and any(not s.esm for s in js), "both CommonJS and ESM are documented"
    for i, s in enumerate(js):
        name = f"s{i}.mjs" if s.esm else f"s{i}.cjs"
        (app / name).write_text(s.code)
        run(["node", name], app, user)
    assert receiver.wait_for_spans(1, timeout=10)


def test_c_tarball_unpacks_anywhere_and_builds_the_c_snippets(user, tmp_path, receiver):
    tgz = one("patter-c-*.tar.gz")
    with tarfile.open(tgz) as t:
        t.extractall(tmp_path / "opt")
    (prefix,) = list((tmp_path / "opt").iterdir())
    lib = prefix / "lib"
    real = sorted(lib.glob("libpatter.so.*.*.*"))
    assert len(real) == 1 and not real[0].is_symlink()
    dyn = run(["readelf", "-d", str(real[0])], tmp_path, user).stdout
    major = real[0].name.split(".")[2]
    assert f"Library soname: [libpatter.so.{major}]" in dyn, dyn
    env = dict(user, PKG_CONFIG_PATH=str(lib / "pkgconfig"))
    flags = run(["pkg-config", "--cflags", "--libs", "patter"], tmp_path, env).stdout.split()
    assert f"-I{prefix}/lib/pkgconfig/../../include" in flags, flags  # relocatable patter.pc
    c = [s for s in snippets() if s.lang == "c"]
    assert c
    for i, s in enumerate(c):
        (tmp_path / f"s{i}.c").write_text(s.code)
        run(f'cc s{i}.c $(pkg-config --cflags --libs patter) -Wl,-rpath,"{lib}" -o s{i}', tmp_path, env)
        res = run([f"./s{i}"], tmp_path, env)
        assert '"status":"completed"' in res.stdout
        # The program depends on the SONAME, not the unversioned name.
        needed = run(["readelf", "-d", f"s{i}"], tmp_path, env).stdout
        assert f"[libpatter.so.{major}]" in needed
    assert receiver.wait_for_spans(1, timeout=10)
