"""Functions run in fresh interpreters (core.workers): results, errors and deaths come back as they would here."""
from __future__ import annotations

import os
import threading
from concurrent.futures.process import BrokenProcessPool

import pytest

from core import workers
from core.workers import WorkerPool


def add(a: int, b: int) -> int:
    return a + b


def chatty(text: str) -> str:
    print("printed by the child", text)  # goes to stderr: the answers have a channel of their own
    os.write(1, b"written to fd 1\n")
    return text * 2


def fails(value: str) -> None:
    raise ValueError(f"坏值：{value}")


def dies() -> None:
    os._exit(3)


def pid() -> int:
    return os.getpid()


def test_results_come_back_from_another_process():
    with WorkerPool(2) as pool:
        futures = [pool.submit(add, n, 10) for n in range(6)]
        assert [f.result(timeout=60) for f in futures] == [10, 11, 12, 13, 14, 15]
        assert pool.submit(pid).result(timeout=60) != os.getpid()


def test_what_a_function_prints_does_not_garble_its_answer():
    with WorkerPool(1) as pool:
        assert pool.submit(chatty, "甲").result(timeout=60) == "甲甲"
        assert pool.submit(add, 1, 2).result(timeout=60) == 3


def test_an_error_in_the_child_is_raised_here_and_the_child_goes_on():
    with WorkerPool(1) as pool:
        with pytest.raises(ValueError, match="坏值：乙"):
            pool.submit(fails, "乙").result(timeout=60)
        assert pool.submit(add, 2, 2).result(timeout=60) == 4


def test_a_request_that_cannot_be_pickled_is_not_sent():
    with WorkerPool(1) as pool:
        with pytest.raises(TypeError, match="cannot pickle"):
            pool.submit(add, threading.Lock(), 2).result(timeout=60)
        assert pool.submit(add, 3, 4).result(timeout=60) == 7


def test_a_child_that_dies_fails_its_call_and_the_pool_breaks_when_none_is_left():
    with WorkerPool(2) as pool:
        assert isinstance(pool.submit(dies).exception(timeout=60), BrokenProcessPool)
        assert pool.submit(add, 5, 5).result(timeout=60) == 10  # the other child
        assert isinstance(pool.submit(dies).exception(timeout=60), BrokenProcessPool)
        with pytest.raises(BrokenProcessPool):
            pool.submit(add, 1, 1)


def test_a_pool_that_cannot_start_every_process_leaves_none_running(monkeypatch):
    started = []
    real_popen = workers.subprocess.Popen

    def popen(*args, **kwargs):
        if started:
            raise OSError(11, "Resource temporarily unavailable")
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(workers.subprocess, "Popen", popen)
    with pytest.raises(OSError):
        WorkerPool(2)
    assert len(started) == 1 and started[0].poll() is not None  # the one started was stopped and waited for
