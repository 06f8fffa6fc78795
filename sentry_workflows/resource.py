"""`SentryAlert`: the dynamic resource, one Sentry alert (workflow) to Slack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import pulumi
import pulumi.dynamic

from sentry_workflows.inputs import PY_NAMES, WIRE_NAMES, SentryAlertArgs, input_problems
from sentry_workflows.provider import SentryAlertProvider


class SentryAlert(pulumi.dynamic.Resource, module="sentry", name="Alert"):
    """One Sentry alert (workflow) to Slack. Type token `pulumi-python:dynamic/sentry:Alert`."""

    workflow_id: pulumi.Output[str]
    """Sentry's id of the workflow (also the resource id)."""
    detector_id: pulumi.Output[str]
    """Id of the project's issue-stream monitor the alert is connected to."""
    alert_name: pulumi.Output[str]
    """The alert's name in Sentry."""

    def __init__(
        self,
        resource_name: str,
        args: SentryAlertArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        provider: Optional[SentryAlertProvider] = None,
    ) -> None:
        """Declare one alert.

        :param resource_name: Pulumi name, e.g. `staging-new-issue`.
        :param args: what to alert on and where (see SentryAlertArgs).
        :param opts: resource options (the SentryMonitoring component passes `parent=self`);
            `additional_secret_outputs=["token"]` is always added.
        :param provider: HTTP settings (timeout, retries) for the API calls; default values
            suit sentry.io.
        :raises ValueError: plain arguments that are invalid, all listed in one message.
        """
        props: dict[str, Any] = {
            "organization": args.organization,
            "project_slug": args.project_slug,
            "project_id": args.project_id,
            "environment": args.environment,
            "kind": args.kind,
            "slack_integration_id": args.slack_integration_id,
            "slack_channel": args.slack_channel,
            "threshold": args.threshold,
            "frequency_minutes": args.frequency_minutes,
            "api_base_url": args.api_base_url,
            "name": args.name,
            # Secret even when the caller passed a plain string.
            "token": pulumi.Output.secret(args.token),
            "workflow_id": None,
            "detector_id": None,
            "alert_name": None,
        }
        _raise_on_static_problems(props)
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        super().__init__(
            provider or SentryAlertProvider(),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret_opts),
        )

    def translate_input_property(self, prop: str) -> str:
        return WIRE_NAMES.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return PY_NAMES.get(prop, prop)


def _raise_on_static_problems(props: Mapping[str, Any]) -> None:
    """Refuse plain-value mistakes at declaration time, all at once, naming each arg field.

    Values that are Outputs are checked by the provider's `check` once they are known.
    """
    given = {WIRE_NAMES[k]: v for k, v in props.items()
             if v is not None and k not in ("workflow_id", "detector_id", "alert_name")}
    pending = frozenset(k for k, v in given.items()
                        if isinstance(v, pulumi.Output) or hasattr(v, "__await__"))
    plain = {k: v for k, v in given.items() if k not in pending}
    problems = input_problems(plain, pending)
    if problems:
        lines = "\n".join(f"  - SentryAlertArgs.{PY_NAMES[k]}: {r}" for k, r in problems)
        raise ValueError(f"invalid Sentry alert arguments:\n{lines}")
