"""Stops a DuckDB query that runs past its time limit. No Sphinx here."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Watchdog:
    """Interrupts a query that runs past its time limit.

    One thread per engine, woken at each query's start and end: a thread
    started per query would cost more than most report queries take.
    """

    def __init__(self, interrupt: Callable[[], object]) -> None:
        self._interrupt = interrupt
        self._wake = threading.Condition()
        self._deadline: float | None = None
        self._running = True
        self._thread = threading.Thread(
            target=self._run, name="grantreport-watchdog", daemon=True
        )
        self._thread.start()

    @contextmanager
    def watch(self, seconds: float) -> Iterator[None]:
        """Interrupt what runs inside if it takes longer than ``seconds``."""
        with self._wake:
            self._deadline = time.monotonic() + seconds
            self._wake.notify()
        try:
            yield
        finally:
            with self._wake:
                self._deadline = None

    def stop(self, join: bool = True) -> None:
        with self._wake:
            self._running = False
            self._wake.notify()
        if join:
            self._thread.join()

    def _run(self) -> None:
        with self._wake:
            while self._running:
                if self._deadline is None:
                    self._wake.wait()
                elif (left := self._deadline - time.monotonic()) > 0:
                    self._wake.wait(min(left, threading.TIMEOUT_MAX))
                else:
                    self._deadline = None
                    self._interrupt()
