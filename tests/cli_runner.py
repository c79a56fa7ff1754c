"""Run a command-line tool in this process, as its console script would, and see what a user would see."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_main(main, capsys, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `main(argv)`; argparse's own errors and --help arrive as SystemExit."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def run_module(module: str, *argv, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m module argv…` in a child process, from the project folder."""
    return subprocess.run([sys.executable, "-m", module, *map(str, argv)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def run_script(script: str, *argv) -> subprocess.CompletedProcess:
    """The console script `script` installed beside this Python (pyproject.toml [project.scripts])."""
    return subprocess.run([str(Path(sys.executable).parent / script), *map(str, argv)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
