"""The plan's speed measures (plan/lean.py) change nothing in the plan and leave the SDK as found."""

from __future__ import annotations

import contextlib
import gc

import pytest
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.sync_await import _ensure_event_loop

from plan import harness
from plan.lean import lean_sdk
from plan.show import to_json


@pytest.mark.parametrize("values", ["preview", "example"])
def test_the_plan_is_byte_identical_without_the_speed_measures(monkeypatch, values):
    fast = to_json(harness.run_stack("production", values=values))
    monkeypatch.setattr(harness, "lean_sdk", contextlib.nullcontext)
    assert to_json(harness.run_stack("production", values=values)) == fast


def test_lean_sdk_restores_the_sdk_and_the_event_loop():
    loop = _ensure_event_loop()
    stack_trace, executor = sdk_resource._get_stack_trace, loop._default_executor
    with lean_sdk():
        assert sdk_resource._get_stack_trace is not stack_trace
        assert sdk_resource._get_stack_trace().frames == []
        assert loop._default_executor is not executor
        assert loop._default_executor.submit(lambda x: x + 1, 1).result() == 2  # inline, at once
        assert gc.get_freeze_count() > 0
    assert sdk_resource._get_stack_trace is stack_trace and loop._default_executor is executor
    assert gc.get_freeze_count() == 0


def test_an_inline_call_that_raises_hands_the_error_to_the_caller():
    with lean_sdk():
        future = _ensure_event_loop()._default_executor.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result()
