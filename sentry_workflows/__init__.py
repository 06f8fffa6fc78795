"""Sentry alerts to Slack, declared with a Pulumi dynamic provider on Sentry's workflows API.

Why a dynamic provider: pulumiverse_sentry's `SentryIssueAlert` / `SentryMetricAlert` call
`/api/0/projects/{org}/{project}/rules/` and `.../alert-rules/`, which Sentry retired in 2026
(HTTP 410 "This API no longer exists"). Current alerts are *workflows* attached to a project's
default issue monitor (detector of type `issue_stream`); see `sentry_workflows/api.py`.

One `SentryAlert` is one workflow. Two kinds are supported:

- `new_issue`: trigger `first_seen_event` ("A new issue is created"), no filter.
- `event_frequency`: "more than N events in one hour". The trigger list is empty, which Sentry
  evaluates as true for every event ("An event is captured"; an empty condition group always
  passes), and an action filter `event_frequency_count` with `{"value": N, "interval": "1h"}`
  keeps only issues seen more than N times in the last hour. Sentry's product docs say
  frequency filters apply to the "new issue" and "event is captured" triggers only. Evidence
  for the empty trigger list: getsentry/sentry `workflow_engine/processors/
  data_condition_group.py` ("if we don't have any conditions, always return True") and its
  issue-alert migration, which drops the legacy `every_event` condition (SKIPPED_CONDITIONS),
  leaving exactly such an empty trigger group.

Layout, one module per part: `inputs` (argument types, wire names, input rules), `payload` (the
workflow JSON), `api` (the HTTP client), `provider` (create/read/update/delete), `resource` (the
`SentryAlert` resource class).

The state format includes import paths. The provider object is pickled (dill) into every alert's
state *by reference*: the blob names `sentry_workflows.provider.SentryAlertProvider` and
`sentry_workflows.api.RetryPolicy`, and the dynamic provider process (started in the program
directory) imports them to unpickle it. These two paths are final: never move or rename them, and
keep those modules free of import-time side effects. State written before this package existed
names `components.sentry_alerts` and `components.sentry_api`; the two small modules kept at those
paths re-export the classes so that it still loads (tests/sentry_workflows/test_state_format.py).

Both send a Slack action to one channel of one Slack integration, in one environment.

Documentation used (besides the pages listed in `sentry_workflows/api.py`):
- https://docs.sentry.io/api/monitors/update-an-alert-by-id/ (body fields; POST .../workflows/
  takes the same body) and the help text those API pages are generated from, getsentry/sentry
  `src/sentry/workflow_engine/endpoints/validators/api_docs_help_text.py`: triggers
  `logicType` "any-short" with `actions: []`; action filter conditions; "Notify on Slack":
  `type` "slack", `integrationId` (the stringified integration id), `config.targetType`
  "specific", `config.targetIdentifier` "" (Sentry's Slack validator looks the channel id up
  from the name), `config.targetDisplay` the channel name, `data` {}.
- https://docs.sentry.io/product/monitors-and-alerts/alerts/create-alerts/ (triggers, filters,
  throttling).
- Interval format of `event_frequency_count` (the docs are inconsistent): the API reference's
  bullet list says `1min, 5min, 15min, 1hr, 1d, 1w, 30d`, but its JSON example for the same
  condition uses `"interval": "1h"`, and Sentry's server validates `comparison` with a JSON
  schema whose `interval` enum is `STANDARD_INTERVALS` = `1m, 5m, 15m, 1h, 1d, 1w, 30d`
  (getsentry/sentry `workflow_engine/handlers/condition/event_frequency_handlers.py`,
  `rules/conditions/event_frequency.py`). So "1h" is the accepted value and "1hr" would be
  refused. jianyuan/terraform-provider-sentry's `sentry_alert` examples use "1m"/"1h" too.
- `config.frequency` (throttling) is in minutes, one of 0, 5, 10, 30, 60, 180, 720, 1440 (the
  docs' own example `{"frequency": 3600}` contradicts that list; we follow the list).

Secrets: the auth token is an input marked secret (`additional_secret_outputs=["token"]` and
wrapped in `Output.secret`), it is needed in the state because delete and refresh call Sentry
with it; no message raised here ever contains it.
"""

from __future__ import annotations

from sentry_workflows.inputs import AlertKind, SentryAlertArgs
from sentry_workflows.provider import SentryAlertProvider
from sentry_workflows.resource import SentryAlert

__all__ = ["AlertKind", "SentryAlert", "SentryAlertArgs", "SentryAlertProvider"]
