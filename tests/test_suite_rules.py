"""Rules of the test suite itself, checked on its source.

- A test module never imports another test module: importing one runs its module-level code and
  its fixtures twice, and under pytest-xdist ties tests in different processes together. Shared
  builders live in support modules (tests/app_warehouse.py, ...) and shared fixtures in conftest.py.
- No test waits by the clock (`time.sleep`, Playwright's `wait_for_timeout`): it waits on an event
  or a condition with a deadline, so it neither fails on a slow machine nor proves nothing on a fast one.
"""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SOURCES = sorted(TESTS.glob("*.py"))
CLOCK_WAITS = {"sleep", "wait_for_timeout"}


def is_test_module(name: str) -> bool:
    return name.split(".")[-1].startswith("test_")


def imported_test_modules(tree: ast.AST) -> list[str]:
    """Test modules that `tree` imports, in any spelling: `import tests.test_x`, `from tests.test_x import y`,
    `from tests import test_x`, `from .test_x import y`, `from . import test_x`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if is_test_module(module):
                found.append(module)
            elif module in ("tests", ""):
                found += [alias.name for alias in node.names if is_test_module(alias.name)]
    return found


def clock_waits(tree: ast.AST) -> list[int]:
    """Lines that call `sleep(...)` or `....sleep(...)` / `....wait_for_timeout(...)`."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in CLOCK_WAITS:
                lines.append(node.lineno)
    return lines


def test_the_checks_find_what_they_look_for():
    tree = ast.parse("import tests.test_a\nfrom tests.test_b import x\nfrom tests import test_c, filemaker\n"
                     "from .test_d import y\nfrom . import test_e\nfrom tests.filemaker import CODE_A\n"
                     "import time\ntime.sleep(1)\npage.wait_for_timeout(500)\nfrom time import sleep\nsleep(2)\n")
    assert imported_test_modules(tree) == ["tests.test_a", "tests.test_b", "test_c", "test_d", "test_e"]
    assert clock_waits(tree) == [8, 9, 11]


def test_no_test_module_imports_another():
    assert len(SOURCES) > 30
    offenders = {path.name: imported_test_modules(ast.parse(path.read_text(encoding="utf-8"))) for path in SOURCES}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_test_waits_by_the_clock():
    offenders = {path.name: clock_waits(ast.parse(path.read_text(encoding="utf-8"))) for path in SOURCES}
    assert {name: lines for name, lines in offenders.items() if lines} == {}
