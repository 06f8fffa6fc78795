"""SDK work the offline plan skips because nothing needs it: a speed measure, not a behaviour.

The plan of production should cost little more than importing the SDKs it uses
(``bench/bench_plan.py`` prints the ratio). Three costs of a run under mocks buy nothing:

- Source positions: for every registration the SDK walks the Python stack, reads the source lines
  and turns each frame into a URI, so that a real engine can point at the line that declared a
  resource. The plan's monitor never reads them (about a seventh of a plan run).
- Worker threads: the SDK hands every RPC to a thread pool so that a real engine's latency does
  not block the event loop. The mock monitor answers in-process at once; the hand-off only adds
  thread switches (and waits for a core on a loaded machine). Calls run inline instead.
- Garbage collection: the SDK imports leave about a million long-lived objects that every full
  collection during the run would traverse again; frozen, they are skipped (``gc.freeze``).

The plan document is the same with and without these (a test compares them byte for byte).
"""

from __future__ import annotations

import concurrent.futures
import gc
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.sync_await import _ensure_event_loop


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs each call at once on the calling thread (asyncio accepts only ThreadPoolExecutors)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 (handed to the awaiting SDK code, as a worker would)
            future.set_exception(err)
        return future


@contextmanager
def lean_sdk() -> Iterator[None]:
    """Within this block the SDK records no source positions, its RPCs run inline, and collections
    skip the objects that exist when it starts. Everything is restored on the way out."""
    original = sdk_resource._get_stack_trace
    loop = _ensure_event_loop()
    executor = loop._default_executor  # private, but the only way to leave the loop as found
    sdk_resource._get_stack_trace = _no_stack_trace
    loop.set_default_executor(_InlineExecutor(max_workers=1))
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        loop._default_executor = executor
        sdk_resource._get_stack_trace = original
