"""The ``webapp-platform:kubernetes`` config object: the optional Kubernetes deployment.

Off unless ``enabled: true``. The cluster is always named (``kubeContext``): the program never
deploys to whatever context happens to be current on the machine that runs it. Every other key has a
default (the namespace and host derive from the environment and its domain)::

    webapp-platform:kubernetes:
      enabled: true
      kubeContext: prod-cluster

Checks that need the environment (production runs at least 3 replicas) live in
``KubernetesConfig.problems_for(environment, image_enabled)``, which the main model calls.
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from platform_facts import PRODUCTION_MIN_REPLICAS

# With one replica a PodDisruptionBudget either blocks every drain or protects nothing.
MIN_REPLICAS = 2
DEFAULT_MIN_REPLICAS = {"staging": MIN_REPLICAS, "production": PRODUCTION_MIN_REPLICAS}

DNS_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$")
HOST_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CPU_RE = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>m?)$")
MEMORY_RE = re.compile(r"^(?P<number>\d+)(?P<unit>Ki|Mi|Gi|Ti|K|M|G|T)?$")
_MEMORY_FACTORS = {None: 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                   "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def cpu_millicores(quantity: str) -> float:
    """``250m`` -> 250, ``0.5`` -> 500; raises ValueError on anything else."""
    match = CPU_RE.match(quantity)
    if not match:
        raise ValueError(f"{quantity!r} is not a CPU quantity such as 250m or 0.5")
    number = float(match["number"])
    return number if match["unit"] == "m" else number * 1000


def memory_bytes(quantity: str) -> int:
    """``128Mi`` -> 134217728; raises ValueError on anything else."""
    match = MEMORY_RE.match(quantity)
    if not match:
        raise ValueError(f"{quantity!r} is not a memory quantity such as 64Mi or 1Gi")
    return int(match["number"]) * _MEMORY_FACTORS[match["unit"]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class _Amounts(_Model):
    """CPU and memory of one container (Kubernetes quantities)."""

    cpu: str
    memory: str

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: str) -> str:
        if not CPU_RE.match(value) or cpu_millicores(value) <= 0:
            raise ValueError("a positive CPU quantity such as 50m or 0.5")
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not MEMORY_RE.match(value) or memory_bytes(value) < 16 * 2**20:
            raise ValueError("a memory quantity of at least 16Mi, such as 64Mi or 1Gi")
        return value


# nginx serving static files idles at a few MiB and a few millicores; these leave headroom for bursts.
class Requests(_Amounts):
    """What the scheduler reserves for the container."""

    cpu: str = Field(default="50m", description="CPU request, e.g. 50m (millicores) or 0.5 (cores).")
    memory: str = Field(default="64Mi", description="Memory request, e.g. 64Mi.")


class Limits(_Amounts):
    """The container's ceiling: CPU is throttled above it, memory above it is an out-of-memory kill."""

    cpu: str = Field(default="500m", description="CPU limit, e.g. 500m or 1.")
    memory: str = Field(default="128Mi", description="Memory limit, e.g. 128Mi.")


class Resources(_Model):
    """Requests and limits of the web container."""

    requests: Requests = Field(default_factory=Requests, description="Requests (cpu, memory).")
    limits: Limits = Field(default_factory=Limits, description="Limits (cpu, memory).")

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> "Resources":
        if cpu_millicores(self.limits.cpu) < cpu_millicores(self.requests.cpu):
            raise ValueError(
                f"limits.cpu at least requests.cpu (limits.cpu is {self.limits.cpu}, requests.cpu is {self.requests.cpu})"
            )
        if memory_bytes(self.limits.memory) < memory_bytes(self.requests.memory):
            raise ValueError(
                f"limits.memory at least requests.memory (limits.memory is {self.limits.memory}, "
                f"requests.memory is {self.requests.memory})"
            )
        return self


class Tls(_Model):
    """Where the Ingress's certificate comes from."""

    secret_name: str = Field(
        default="web-tls",
        description="TLS secret of the host's certificate in the namespace: created by cert-manager when "
        "certManagerIssuer is set, otherwise one you create (kubectl create secret tls).",
    )
    cert_manager_issuer: Optional[str] = Field(
        default=None, description="cert-manager issuer that obtains the certificate (e.g. letsencrypt-prod)."
    )
    issuer_kind: Literal["ClusterIssuer", "Issuer"] = Field(
        default="ClusterIssuer", description="Kind of certManagerIssuer."
    )

    @field_validator("secret_name", "cert_manager_issuer")
    @classmethod
    def _name(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not DNS_SUBDOMAIN_RE.match(value):
            raise ValueError("a Kubernetes object name: lower-case letters, digits, '-' and '.'")
        return value


class KubernetesConfig(_Model):
    """Optional Kubernetes deployment of the web image (``webapp-platform:kubernetes``)."""

    enabled: bool = Field(default=False, description="Deploy the web image to a Kubernetes cluster.")
    kube_context: Optional[str] = Field(
        default=None,
        description="kubeconfig context of the cluster (required when enabled: the program never deploys to the "
        "current context by accident).",
    )
    namespace: Optional[str] = Field(
        default=None, description="Namespace the app runs in (created); default webapp-<environment>."
    )
    host: Optional[str] = Field(
        default=None,
        description="Host name the Ingress serves; default the environment's domain (point its DNS at the "
        "ingress controller to cut over from Vercel).",
    )
    min_replicas: Optional[int] = Field(
        default=None,
        ge=MIN_REPLICAS,
        description=f"Minimum replicas; default {MIN_REPLICAS} on staging, {PRODUCTION_MIN_REPLICAS} on "
        f"production (production needs at least {PRODUCTION_MIN_REPLICAS}).",
    )
    max_replicas: int = Field(default=10, ge=MIN_REPLICAS, le=100, description="Maximum replicas the autoscaler may run.")
    autoscaling: bool = Field(
        default=True, description="Scale on CPU with a HorizontalPodAutoscaler; off runs exactly minReplicas."
    )
    cpu_target_percent: int = Field(
        default=70, ge=10, le=95, description="Average CPU utilisation (percent of requests) the autoscaler aims for."
    )
    resources: Resources = Field(default_factory=Resources, description="Container requests and limits.")
    ingress_class: str = Field(default="nginx", description="IngressClass of the cluster's ingress controller.")
    ingress_controller_namespace: str = Field(
        default="ingress-nginx",
        description="Namespace of the ingress controller: the NetworkPolicy admits traffic only from there.",
    )
    tls: Tls = Field(default_factory=Tls, description="TLS certificate: secretName and/or certManagerIssuer.")
    image_pull_secret: Optional[str] = Field(
        default=None,
        description="Name of a docker-registry secret in the namespace for pulling a private image; unset for a "
        "public package.",
    )

    @field_validator("namespace", "ingress_controller_namespace")
    @classmethod
    def _dns_label(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not DNS_LABEL_RE.match(value):
            raise ValueError("a namespace name: lower-case letters, digits and '-', at most 63 characters")
        return value

    @field_validator("ingress_class", "image_pull_secret")
    @classmethod
    def _object_name(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not DNS_SUBDOMAIN_RE.match(value):
            raise ValueError("a Kubernetes object name: lower-case letters, digits, '-' and '.'")
        return value

    @field_validator("host")
    @classmethod
    def _host(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not HOST_RE.match(value):
            raise ValueError("a lower-case DNS name such as app.example.com (no scheme, no wildcard)")
        return value

    @field_validator("kube_context")
    @classmethod
    def _context(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not value.strip():
            raise ValueError("a kubeconfig context name (omit the key for the current context)")
        return value

    # --- Resolved values ------------------------------------------------------------------
    def namespace_for(self, environment: str) -> str:
        return self.namespace or f"webapp-{environment}"

    def host_for(self, domain: str) -> str:
        return self.host or domain

    def min_replicas_for(self, environment: str) -> int:
        return self.min_replicas if self.min_replicas is not None else DEFAULT_MIN_REPLICAS[environment]

    # --- Checks that need the environment -------------------------------------------------
    def problems_for(self, environment: str, image_enabled: bool = True) -> list[str]:
        """Problems that depend on the stack, each starting with its key (``kubernetes.minReplicas: ...``)."""
        if not self.enabled:
            return []
        problems = []
        if self.kube_context is None:
            problems.append(
                "kubernetes.kubeContext: required when kubernetes.enabled is true (the kubeconfig context of the "
                "cluster; `kubectl config get-contexts` lists them)"
            )
        minimum = self.min_replicas_for(environment)
        if environment == "production" and minimum < PRODUCTION_MIN_REPLICAS:
            problems.append(
                f"kubernetes.minReplicas: production runs at least {PRODUCTION_MIN_REPLICAS} replicas "
                f"(got {minimum}), so it survives a node drain and a zone loss"
            )
        if self.autoscaling and self.max_replicas < minimum:
            problems.append(f"kubernetes.maxReplicas: at least minReplicas ({minimum}); got {self.max_replicas}")
        if not image_enabled:
            problems.append("kubernetes.enabled: needs the web image; set image.mode to build or promote")
        return problems
