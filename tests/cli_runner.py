"""Run a command-line tool, in this process or in a child process, and see what a user would see."""
from __future__ import annotations

import io
import multiprocessing
import os
import resource
import runpy
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `run_module_in_child` forks its children from a server process that has imported the libraries the command
# line needs (pandas alone takes most of a second to import); the project's own modules are imported in each
# child, after its environment is set, as a fresh `python -m` would.
_FORKSERVER = multiprocessing.get_context("forkserver")
_FORKSERVER.set_forkserver_preload(["pandas", "duckdb", "openpyxl", "python_calamine", "argon2"])


def run_main(main, capsys, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `main(argv)`; argparse's own errors and --help arrive as SystemExit."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def run_in_process(main, capsys, monkeypatch, *argv, stdin: str = "") -> subprocess.CompletedProcess:
    """`main(argv)` reading `stdin` as its standard input; the outcome as `subprocess.run` would report it."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, out, err = run_main(main, capsys, *argv)
    return subprocess.CompletedProcess([str(a) for a in argv], code, out, err)


def run_module(module: str, *argv, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m module argv…` in a child process, from the project folder."""
    return subprocess.run([sys.executable, "-m", module, *map(str, argv)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def run_module_in_child(module: str, *argv, env: dict | None = None, memory_cap: int | None = None,
                        timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m module argv…` in a child process, from the project folder, its address space capped at
    `memory_cap` bytes; the outcome as `subprocess.run` would report it."""
    args = [str(a) for a in argv]
    with tempfile.TemporaryDirectory(prefix="child-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        child = _FORKSERVER.Process(target=_module_in_child, args=(
            module, args, {**os.environ, **(env or {})}, memory_cap, str(out), str(err)))
        child.start()
        child.join(timeout)
        if child.exitcode is None:
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired([module, *args], timeout)
        said = [path.read_text(encoding="utf-8") if path.exists() else "" for path in (out, err)]
        return subprocess.CompletedProcess([module, *args], child.exitcode, *said)


def _module_in_child(module: str, argv: list[str], env: dict, memory_cap: int | None, out: str, err: str) -> None:
    if memory_cap is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))
    os.chdir(ROOT)
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        with open(path, "wb") as file:
            os.dup2(file.fileno(), fd)
    sys.argv = [module, *argv]
    runpy.run_module(module, run_name="__main__", alter_sys=True)  # its exit code ends the child


def run_script(script: str, *argv) -> subprocess.CompletedProcess:
    """The console script `script` installed beside this Python (pyproject.toml [project.scripts])."""
    return subprocess.run([str(Path(sys.executable).parent / script), *map(str, argv)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
