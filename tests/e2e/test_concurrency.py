"""Point 7 of the engine tier: two `pulumi up` of one stack at once on the file backend.

What the file (DIY) backend guarantees, from its source (pkg/backend/diy/lock.go, backend.go of
pulumi/pulumi): `up`, `refresh`, `destroy` and `import` take a per-stack lock, a file
`.pulumi/locks/<org>/<project>/<stack>/<uuid>.json` written and then checked for any other lock file;
with another one present the operation stops before the program runs ("the stack is currently locked
by 1 lock(s)", naming the lock file, its user, host and pid) and removes its own. `preview` takes no
lock. The check is not atomic: two processes starting in the same instant can both see each other and
both stop (never both proceed on a consistent file system; on an eventually consistent bucket listing,
even that is not guaranteed). A crashed process leaves its lock behind (`pulumi cancel` removes it).

The program is the Sentry alerts program of test_lifecycle.py (real dynamic provider, fake Sentry on
127.0.0.1), held open a few seconds so that the two updates overlap for sure.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.sentry_workflows.fake_sentry import FakeSentry
from tests.e2e.engine import Workdir
from tests.e2e.test_lifecycle import ALERTS, ORG, PROJECT_ID, PROJECT_YAML, TOKEN

HOLD = "import time\ntime.sleep(float(pulumi.Config().get('holdSeconds') or 0))\n"
LOCK_WAIT_SECONDS = 60
LOCKED = "the stack is currently locked by"


@pytest.fixture
def held_stack(engine, passphrase, tmp_path):
    with FakeSentry(token=TOKEN, organization=ORG) as fake:
        fake.add_project(PROJECT_ID)
        workdir = Workdir.create(engine, tmp_path, passphrase)
        (workdir.project / "Pulumi.yaml").write_text(PROJECT_YAML, encoding="utf-8")
        (workdir.project / "__main__.py").write_text(ALERTS + HOLD, encoding="utf-8")
        workdir.init_stack("dev")
        workdir.set_config("dev", {"sentryUrl": fake.base_url, "threshold": "100", "holdSeconds": "8"})
        workdir.set_config("dev", {"token": TOKEN}, secret=True)
        yield workdir, fake


def _locks(workdir: Workdir) -> list:
    return sorted((workdir.backend / ".pulumi" / "locks").rglob("*.json"))


def _wait(predicate, what: str) -> None:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _finish(process) -> tuple[int, str]:
    out, _ = process.communicate(timeout=600)
    return process.returncode, out


def _state(workdir: Workdir) -> dict:
    exported = json.loads(workdir.run("stack", "export", "-s", "dev").stdout)
    deployment = exported["deployment"]
    assert not deployment.get("pending_operations"), deployment.get("pending_operations")
    return deployment


def test_second_up_while_one_runs_is_refused_and_state_stays_intact(held_stack):
    workdir, fake = held_stack
    first = workdir.popen("up", "--yes", "-s", "dev")
    _wait(lambda: _locks(workdir), "the first update's lock file")
    second = workdir.popen("up", "--yes", "-s", "dev")
    second_code, second_out = _finish(second)
    first_code, first_out = _finish(first)
    assert first_code == 0, first_out[-3000:]
    assert second_code != 0 and LOCKED in second_out, second_out[-3000:]
    assert ".pulumi/locks/organization/e2e-alerts/dev/" in second_out  # it names the lock to look at
    assert _locks(workdir) == [], "a lock was left behind"
    alerts = [r for r in _state(workdir)["resources"] if r["type"].endswith(":Alert")]
    assert len(alerts) == 2 and len(fake.workflows) == 2  # created once, not twice
    assert {r["id"] for r in alerts} == set(fake.workflows)


def test_two_ups_started_together_never_both_run(held_stack):
    workdir, fake = held_stack
    processes = [workdir.popen("up", "--yes", "-s", "dev") for _ in range(2)]
    results = [_finish(p) for p in processes]
    succeeded = [out for code, out in results if code == 0]
    refused = [out for code, out in results if code != 0]
    assert len(succeeded) <= 1, "two updates of one stack ran at once"
    assert all(LOCKED in out for out in refused), [out[-2000:] for out in refused]
    assert _locks(workdir) == []
    if not succeeded:  # both saw each other's lock: nothing ran, and the next attempt works
        workdir.run("up", "--yes", "-s", "dev")
    assert len(fake.workflows) == 2 and len(_state(workdir)["resources"]) >= 3
