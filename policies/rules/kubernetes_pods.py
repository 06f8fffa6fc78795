"""Kubernetes guardrails on how every pod runs: hardened containers (non-root, read-only root, no
escalation, RuntimeDefault seccomp), bounded resources, health probes, images pinned by digest, and no
service-account token in pods that never call the API server."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from platform_facts import DIGEST_REF_RE
from policies.rules._kubernetes import containers, effective, name_of, pod_spec
from policies.rules._props import get, items, number, resource_policy


def container_policy(check: Callable[[Mapping, Mapping], list[str]]) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """A resource validation that runs ``check(pod_spec, container)`` on every container of a workload."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        spec = pod_spec(args.resource_type, args.props)
        if spec is None:
            return
        for label, container in containers(spec):
            for problem in check(spec, container):
                report_violation(f"{name_of(args.props)}, {label}: {problem}", args.urn)

    validate.__doc__ = check.__doc__
    return validate


def check_non_root(spec: Mapping, container: Mapping) -> list[str]:
    """Runs as a non-root numeric user: runAsNonRoot true and runAsUser set and not 0."""
    problems = []
    if effective(spec, container, "runAsNonRoot") is not True:
        problems.append("runAsNonRoot is not true")
    user = number(effective(spec, container, "runAsUser"))
    if user is None:
        problems.append("runAsUser is not set (the image's numeric uid lets the kubelet verify non-root)")
    elif user == 0:
        problems.append("runAsUser is 0 (root)")
    return problems


def check_read_only_root(spec: Mapping, container: Mapping) -> list[str]:
    """The root filesystem is read-only (writable paths are emptyDir volumes)."""
    if get(container, "securityContext", "readOnlyRootFilesystem") is not True:
        return ["readOnlyRootFilesystem is not true"]
    return []


def check_no_escalation(spec: Mapping, container: Mapping) -> list[str]:
    """Not privileged, no privilege escalation, every capability dropped and none added."""
    problems = []
    context = get(container, "securityContext", default={})
    if get(context, "privileged") is True:
        problems.append("privileged is true")
    if get(context, "allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    dropped = [c for c in items(get(context, "capabilities", "drop")) if isinstance(c, str)]
    if "ALL" not in dropped:
        problems.append("capabilities.drop does not contain ALL")
    added = [c for c in items(get(context, "capabilities", "add")) if isinstance(c, str)]
    if added:
        problems.append(f"capabilities.add grants {', '.join(added)}")
    return problems


def check_seccomp(spec: Mapping, container: Mapping) -> list[str]:
    """A seccomp profile filters system calls: RuntimeDefault (or a Localhost profile)."""
    kind = get(effective(spec, container, "seccompProfile") or {}, "type")
    if kind not in ("RuntimeDefault", "Localhost"):
        return [f"seccompProfile.type is {kind or 'unset'} (expected RuntimeDefault)"]
    return []


def check_resources(spec: Mapping, container: Mapping) -> list[str]:
    """CPU and memory requests (for scheduling) and limits (a ceiling) are set."""
    missing = [
        f"{group}.{resource}"
        for group in ("requests", "limits")
        for resource in ("cpu", "memory")
        if get(container, "resources", group, resource) in (None, "")
    ]
    return [f"resources {', '.join(missing)} not set"] if missing else []


def check_probes(spec: Mapping, container: Mapping) -> list[str]:
    """Readiness (traffic only to ready pods) and liveness (restart a hung server) probes are set."""
    missing = [probe for probe in ("readinessProbe", "livenessProbe") if not get(container, probe)]
    return [f"{' and '.join(missing)} not set"] if missing else []


def check_digest(spec: Mapping, container: Mapping) -> list[str]:
    """The image is pinned by digest (name@sha256:...), so every pod runs the same bytes."""
    image = get(container, "image")
    if not isinstance(image, str) or not DIGEST_REF_RE.match(image):
        return [f"image {image!r} is not pinned by digest (expected name@sha256:<digest>)"]
    return []


def validate_no_service_account_token(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The pod does not mount a service-account token (the web server never calls the API server)."""
    spec = pod_spec(args.resource_type, args.props)
    if spec is not None and get(spec, "automountServiceAccountToken") is not False:
        report_violation(f"{name_of(args.props)}: automountServiceAccountToken is not false", args.urn)


def _container(name: str, description: str, check: Callable[[Mapping, Mapping], list[str]]) -> ResourceValidationPolicy:
    return resource_policy(name, description, container_policy(check))


POLICIES = [
    _container("k8s-run-as-non-root", "Containers run as a non-root numeric user (runAsNonRoot, runAsUser > 0).", check_non_root),
    _container("k8s-read-only-root-filesystem", "Containers have a read-only root filesystem.", check_read_only_root),
    _container(
        "k8s-no-privilege-escalation",
        "Containers are not privileged, cannot escalate privileges and drop every capability.",
        check_no_escalation,
    ),
    _container("k8s-seccomp-runtime-default", "Containers run under the RuntimeDefault seccomp profile.", check_seccomp),
    _container("k8s-resource-limits", "Containers set CPU and memory requests and limits.", check_resources),
    _container("k8s-health-probes", "Containers have readiness and liveness probes.", check_probes),
    _container("k8s-image-pinned-by-digest", "Container images are pinned by digest (name@sha256:...).", check_digest),
    resource_policy(
        "k8s-no-service-account-token",
        "Pods do not mount a service-account token (automountServiceAccountToken: false).",
        validate_no_service_account_token),
]
