"""VercelSite's Protection Bypass for Automation: declared on request only, a child of the site, and
its value handed out as a secret Output (an input that receives it arrives wrapped as a secret)."""

from __future__ import annotations

import pulumi
import pulumi_github as github

from components.vercel_site import VercelSite, VercelSiteArgs



def declare_site(declare, bypass: bool) -> tuple[dict, list]:
    seen: list = []

    def program() -> None:
        site = VercelSite("site", VercelSiteArgs(
            project_name="my-app-staging", environment="staging", domain="staging.example.com",
            repository="acme/my-app", deployment_protection="all_deployments", protection_bypass=bypass,
        ))
        seen.append(site.protection_bypass)
        if site.protection_bypass is not None:
            # A probe whose input is not secret by itself: it shows whether the Output is.
            github.ActionsVariable("probe", repository="my-app", variable_name="PROBE", value=site.protection_bypass)

    return declare(program), seen


def test_bypass_is_declared_and_its_value_is_secret(declare):
    resources, (output,) = declare_site(declare, bypass=True)
    bypass = resources["site-protection-bypass"]
    assert bypass.inputs["isEnvVar"] is True
    assert resources["site-project"].urn in bypass.dependencies
    assert isinstance(output, pulumi.Output)
    value = resources["probe"].inputs["value"]
    assert value == "[secret]", f"not marked secret: {value!r}"


def test_no_bypass_unless_asked(declare):
    resources, (output,) = declare_site(declare, bypass=False)
    assert output is None
    assert not any(name.endswith("protection-bypass") for name in resources)
