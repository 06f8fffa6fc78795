"""Point 5 of the engine tier: the Sentry alert dynamic provider, for real, against the fake Sentry.

No stand-in provider: the real CLI runs a small program (ALERTS, below) that declares only the two
alerts of one environment, the real dynamic provider (`sentry_workflows`, pickled into the
state by module reference) talks to `tests/sentry_workflows/fake_sentry.py` on 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.sentry_workflows.fake_sentry import FakeSentry
from tests.e2e.engine import Workdir

ORG, PROJECT_ID, SLACK_ID, TOKEN = "acme", "4501", "24681357", "fake-token-123"
PROJECT_YAML = "name: e2e-alerts\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: .venv\n"
# The program under test: the one import is the alerts' public name (a move is a one-line change).
ALERTS = '''import pulumi
from sentry_workflows import SentryAlert, SentryAlertArgs

config = pulumi.Config()
common = dict(organization="acme", project_slug="web-app", project_id="4501", environment="production",
              slack_integration_id="24681357", slack_channel="#alerts", token=config.require_secret("token"),
              api_base_url=config.require("sentryUrl"))
SentryAlert("new-issue", SentryAlertArgs(kind="new_issue", **common))
SentryAlert("event-frequency", SentryAlertArgs(kind="event_frequency", threshold=config.require_int("threshold"), **common))
'''


def _program(workdir: Workdir) -> Workdir:
    (workdir.project / "Pulumi.yaml").write_text(PROJECT_YAML, encoding="utf-8")
    (workdir.project / "__main__.py").write_text(ALERTS, encoding="utf-8")
    return workdir


@pytest.fixture
def sentry():
    with FakeSentry(token=TOKEN, organization=ORG) as fake:
        fake.add_project(PROJECT_ID)
        yield fake


def _threshold(workflow: dict) -> int:
    return workflow["actionFilters"][0]["conditions"][0]["comparison"]["value"]


def _steps(workdir: Workdir, *flags: str) -> dict[str, str]:
    digest = json.loads(workdir.run("preview", "-s", "dev", "--json", *flags).stdout)
    return {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in digest.get("steps", [])}


def test_alerts_lifecycle_under_the_real_engine(engine, passphrase, sentry, tmp_path):
    first = _program(Workdir.create(engine, tmp_path / "first", passphrase))
    first.init_stack("dev")
    first.set_config("dev", {"sentryUrl": sentry.base_url, "threshold": "100"})
    first.set_config("dev", {"token": TOKEN}, secret=True)

    first.run("up", "--yes", "-s", "dev")
    assert len(sentry.workflows) == 2 and sentry.shape_errors == []
    triggers = sorted(c["type"] for w in sentry.workflows.values() for c in w["triggers"]["conditions"])
    assert triggers == ["first_seen_event"]  # the new-issue alert; the frequency one fires on every event
    frequency = next(w for w in sentry.workflows.values() if w["actionFilters"][0]["conditions"])
    ids = set(sentry.workflows)
    assert _threshold(frequency) == 100

    first.set_config("dev", {"threshold": "250"})
    assert _steps(first)["event-frequency"] == "update"  # in place, never a replacement
    first.run("up", "--yes", "-s", "dev")
    assert set(sentry.workflows) == ids
    assert _threshold(sentry.workflows[frequency["id"]]) == 250

    sentry.workflows[frequency["id"]]["name"] = "renamed in Sentry by hand"
    assert first.run("preview", "-s", "dev", "--expect-no-changes").returncode == 0  # state not refreshed yet
    first.run("refresh", "--yes", "-s", "dev")
    drifted = first.run("preview", "-s", "dev", "--expect-no-changes", check=False)
    assert drifted.returncode != 0, drifted.describe()
    assert "event-frequency" in drifted.output

    # Destroy from another folder: a second copy elsewhere, the first one gone entirely.
    second = _program(Workdir.create(engine, tmp_path / "second", passphrase))
    second.env.update(PULUMI_BACKEND_URL=first.env["PULUMI_BACKEND_URL"])
    shutil.copy(first.stack_file("dev"), second.stack_file("dev"))
    shutil.rmtree(first.project)
    second.run("--cwd", str(second.project), "destroy", "--yes", "-s", "dev", cwd=tmp_path)
    assert sentry.workflows == {}
    assert "/api/0/projects/" not in " ".join(sentry.paths())  # the retired alert API is never called
