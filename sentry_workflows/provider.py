"""`SentryAlertProvider`: create, read, update and delete one Sentry workflow.

This module's path is part of the state format (see the package docstring): the class is pickled
by reference as `sentry_workflows.provider.SentryAlertProvider`. Never move or rename it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.runtime import rpc

from sentry_workflows.api import DEFAULT_BASE_URL, RetryPolicy, SentryClient
from sentry_workflows.inputs import INPUT_KEYS, LOCAL_ONLY_KEYS, REPLACE_KEYS, input_problems, is_unknown, normalized, plain
from sentry_workflows.payload import alert_name_for, payload_for


def _differs(old: Any, new: Any) -> bool:
    return is_unknown(new) or rpc.unwrap_rpc_secret(old) != rpc.unwrap_rpc_secret(new)


class SentryAlertProvider(pulumi.dynamic.ResourceProvider):
    """CRUD for one Sentry workflow. Stateless apart from HTTP settings (it is pickled)."""

    def __init__(self, retry: RetryPolicy = RetryPolicy(), timeout: float = 10.0) -> None:
        super().__init__()
        self.retry = retry
        self.timeout = timeout

    def _client(self, inputs: Mapping[str, Any]) -> SentryClient:
        return SentryClient(
            str(inputs["token"]), str(inputs.get("apiBaseUrl") or DEFAULT_BASE_URL),
            timeout=self.timeout, retry=self.retry,
        )

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        inputs = normalized(news)
        failures = [pulumi.dynamic.CheckFailure(k, r) for k, r in input_problems(plain(inputs))]
        return pulumi.dynamic.CheckResult(inputs, failures)

    def diff(
        self, _id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        changed = [k for k in INPUT_KEYS if _differs(olds.get(k), news.get(k))]
        replaces = [k for k in changed if k in REPLACE_KEYS]
        drifted = self._drifted(olds, news)
        return pulumi.dynamic.DiffResult(
            changes=bool(changed) or drifted, replaces=replaces, delete_before_replace=False
        )

    @staticmethod
    def _drifted(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """True when a refresh saw the alert renamed in Sentry (outputs differ from intent)."""
        wanted = plain(news)
        if any(is_unknown(v) for v in wanted.values()) or "alertName" not in olds:
            return False
        try:
            return olds["alertName"] != alert_name_for(wanted)
        except KeyError:
            return False

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = normalized(plain(props))
        client = self._client(inputs)
        organization = str(inputs["organization"])
        detector_id = client.find_issue_stream_detector(organization, str(inputs["projectId"]))
        payload = payload_for(inputs, detector_id)
        created = client.create_workflow(organization, payload)
        workflow_id = str(created["id"])
        outs = {**inputs, "workflowId": workflow_id, "detectorId": detector_id,
                "alertName": payload["name"]}
        return pulumi.dynamic.CreateResult(workflow_id, outs)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        state = normalized(plain(props))
        if "organization" not in state or "token" not in state:
            # `pulumi import` hands over only the id; this provider needs its inputs.
            raise ValueError(
                f"cannot read Sentry alert {id_!r}: the state has no organization or token "
                "(importing existing alerts is not supported; declare them instead)"
            )
        found = self._client(state).get_workflow(str(state["organization"]), id_)
        if found is None:
            # Deleted outside Pulumi: an empty id tells the engine the resource is gone.
            return pulumi.dynamic.ReadResult("", {})
        outs = {**state, "workflowId": str(id_)}
        if isinstance(found.get("name"), str):
            outs["alertName"] = found["name"]
        if isinstance(found.get("environment"), str):
            outs["environment"] = found["environment"]
        detector_ids = found.get("detectorIds")
        if isinstance(detector_ids, list) and len(detector_ids) == 1:
            outs["detectorId"] = str(detector_ids[0])
        return pulumi.dynamic.ReadResult(str(id_), outs)

    def update(
        self, id_: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        inputs = normalized(plain(news))
        old = plain(olds)
        changed = {k for k in INPUT_KEYS if _differs(old.get(k), inputs.get(k))}
        if changed <= LOCAL_ONLY_KEYS and not self._drifted(old, inputs):
            # Only the token changed: Sentry stores nothing of it, just record the new one.
            return pulumi.dynamic.UpdateResult({**old, **inputs})
        client = self._client(inputs)
        organization = str(inputs["organization"])
        detector_id = old.get("detectorId") or client.find_issue_stream_detector(
            organization, str(inputs["projectId"])
        )
        payload = payload_for(inputs, str(detector_id))
        client.update_workflow(organization, id_, payload)
        return pulumi.dynamic.UpdateResult(
            {**inputs, "workflowId": str(id_), "detectorId": str(detector_id),
             "alertName": payload["name"]}
        )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        state = plain(props)
        # A 404 means it is already gone, which is what delete wants.
        self._client(state).delete_workflow(str(state["organization"]), id_)
