"""Both repositories carry a security policy with a contact (Scorecard's Security-Policy) and a
Dependabot config for each of their package ecosystems (Scorecard's Dependency-Update-Tool)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.workflows.shared import APP_REPO_FILES, ROOT, load_yaml, rel


@pytest.mark.parametrize("path", [ROOT / "SECURITY.md", APP_REPO_FILES / "SECURITY.md"], ids=rel)
def test_security_policy_has_a_private_contact(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.search(r"https://\S+", text), "Scorecard counts a link (or an email) as the contact"
    assert "security/advisories/new" in text, "private vulnerability reporting is the contact"
    assert "vulnerab" in text.lower() and "disclos" in text.lower()
    assert "${" not in text, "committed as is: no template placeholders"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (ROOT / ".github" / "dependabot.yml", {("pip", "/"), ("pip", "/policies"), ("npm", "/"), ("github-actions", "/"), ("docker", "/image")}),
        (APP_REPO_FILES / "dependabot.yml", {("npm", "/"), ("github-actions", "/")}),
    ],
    ids=["this-repository", "app-repository"],
)
def test_dependabot_covers_every_ecosystem(path: Path, expected: set[tuple[str, str]]) -> None:
    covered = set()
    for update in load_yaml(path)["updates"]:
        for directory in update.get("directories", [update.get("directory")]):
            covered.add((update["package-ecosystem"], directory))
    assert covered == expected


def test_this_repository_has_the_files_dependabot_updates() -> None:
    for name in ("requirements.txt", "requirements-dev.txt", "policies/requirements.txt", "package.json", "package-lock.json", "image/Dockerfile"):
        assert (ROOT / name).is_file(), name


@pytest.mark.parametrize("path", [ROOT / ".github" / "dependabot.yml", APP_REPO_FILES / "dependabot.yml"], ids=rel)
def test_dependabot_waits_a_week_for_new_releases(path: Path) -> None:
    for update in load_yaml(path)["updates"]:
        assert update.get("cooldown", {}).get("default-days", 0) >= 7, update["package-ecosystem"]
