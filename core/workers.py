"""Functions run in fresh interpreters of this project (`python -m core.workers`), handed over as pickles.

multiprocessing's "spawn" would do the same, but its children first import the parent's main script as
`__mp_main__`: in the dashboard that is the script Streamlit runs (dashboard.py, or whatever file is run),
whose imports alone cost seconds and whose top-level code would run again. A child here imports only
`core.workers` and the modules of the functions it is handed.

`WorkerPool(n).submit(function, *args)` gives a Future, as concurrent.futures' executors do; a child that dies
(killed from outside, out of memory) fails what it was running and what is handed to it later with
BrokenProcessPool, and so does every submit once no child is left.
"""
from __future__ import annotations

import importlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from core.config import PROJECT_ROOT


class _Child:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "core.workers"], cwd=PROJECT_ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, function: Callable, args: tuple) -> Any:
        request = pickle.dumps((function.__module__, function.__qualname__, args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.process.stdin.write(request)  # whole, or not at all: a request that cannot be pickled is not sent
            self.process.stdin.flush()
            ok, value = pickle.load(self.process.stdout)
        except (BrokenPipeError, EOFError, pickle.UnpicklingError):
            self.process.kill()
            self.process.wait()
            raise BrokenProcessPool(f"进程意外退出（退出码 {self.process.returncode}）") from None
        if not ok:
            raise value
        return value

    def close(self, wait: bool) -> None:
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        if wait:
            self.process.wait()
        else:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


class WorkerPool:
    """`processes` children, each running one function at a time; started at once, so that their start-up
    overlaps whatever the caller does before its first submit."""

    def __init__(self, processes: int) -> None:
        self._idle: queue.Queue[_Child | None] = queue.Queue()
        self._children: list[_Child] = []
        try:
            for _ in range(processes):
                self._children.append(_Child())
        except BaseException:  # none is left behind when one cannot start
            for child in self._children:
                child.close(wait=False)
            raise
        for child in self._children:
            self._idle.put(child)
        self._alive = processes
        self._lock = threading.Lock()
        self._threads = ThreadPoolExecutor(processes, thread_name_prefix="weihai-worker")

    def submit(self, function: Callable, *args: Any) -> Future:
        with self._lock:
            if not self._alive:
                raise BrokenProcessPool("没有可用的进程")
        return self._threads.submit(self._run, function, args)

    def _run(self, function: Callable, args: tuple) -> Any:
        child = self._idle.get()
        if child is None:  # no child is left: pass the word on to whoever waits next
            self._idle.put(None)
            raise BrokenProcessPool("没有可用的进程")
        try:
            return child.run(function, args)
        except BrokenProcessPool:
            child = None  # dead: never handed out again
            with self._lock:
                self._alive -= 1
                if not self._alive:
                    self._idle.put(None)
            raise
        finally:
            if child is not None:
                self._idle.put(child)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self._threads.shutdown(wait=wait, cancel_futures=cancel_futures)
        for child in self._children:
            child.close(wait)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown(wait=exc[0] is None, cancel_futures=exc[0] is not None)


def _serve() -> None:
    """The child: requests on stdin, answers on the original stdout; anything printed goes to stderr."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    requests = sys.stdin.buffer
    while True:
        try:
            module, name, args = pickle.load(requests)
        except EOFError:
            return
        try:
            function = importlib.import_module(module)
            for part in name.split("."):
                function = getattr(function, part)
            answer = (True, function(*args))
        except Exception as error:  # handed back to be raised in the parent
            answer = (False, error)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:
            data = pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))
        answers.write(data)
        answers.flush()


if __name__ == "__main__":
    _serve()
