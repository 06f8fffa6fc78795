"""Release steps of deploy.yml and drift.yml: which app version a run deploys, and the tag rule.

    release.py resolve --plan PLAN.json [--deployed-ref REF] [--requested VERSION]
        Prints GITHUB_OUTPUT lines: version, app_repository, image. The version is the one asked
        for (workflow_dispatch), else the one staging runs now (its imageRef output), else the
        stack file's (the first deploy).
    release.py guard --image IMAGE --version VERSION [--deployed-ref REF]
        The tag rule: a version tag is pushed once. Asks the registry for IMAGE:VERSION. Absent:
        prints state=new (this run builds and pushes it). Present and it is exactly what staging
        deployed (a re-run): prints state=deployed. Present otherwise: fails, naming the digest.
        Registry credentials come from REGISTRY_USERNAME and REGISTRY_TOKEN (never printed);
        REGISTRY_API replaces https://<registry host> as the API base (a mirror, or a test server).
    release.py unchanged PREVIEW.json
        After state=deployed: fails when `pulumi preview --json` would build (and so push) the
        image again, e.g. because image/ changed since the version was pushed.

Standard library only: it runs before anything else is installed. Errors name what was expected
and exit 1 without a traceback.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional

IMAGE_TYPE = "docker-build:index:Image"
"""Type token of the image the staging stack builds and pushes."""
VERSION_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
"""A Docker tag (and a safe git ref name): what a version may look like."""
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
TIMEOUT_SECONDS = 20
UNCHANGED_OPS = frozenset({"same", "read", "refresh"})


class ReleaseError(Exception):
    """A problem the run must stop on; the message says what was expected."""


def _image_resource(plan: dict) -> dict:
    images = [r for r in plan.get("resources", []) if r.get("type") == IMAGE_TYPE]
    if len(images) != 1:
        raise ReleaseError(f"the plan declares {len(images)} {IMAGE_TYPE} resources, expected 1 (image.mode build)")
    return images[0]


def split_tag(reference: str) -> tuple[str, Optional[str]]:
    """``host/path:tag@sha256:...`` -> (``host/path``, ``tag``); the tag is None when absent."""
    name = reference.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :]
    return name, None


def check_version(version: str, source: str) -> str:
    if not VERSION_RE.fullmatch(version):
        raise ReleaseError(f"{source}: {version!r} is not a version tag (letters, digits, '.', '_', '-'; at most 128)")
    return version


def resolve(plan: dict, deployed_ref: str, requested: str) -> dict[str, str]:
    """The version this run deploys, the app repository to check out at it, and the image name."""
    image = _image_resource(plan)
    inputs = image.get("inputs", {})
    tags = inputs.get("tags") or []
    if not tags or not isinstance(tags[0], str):
        raise ReleaseError(f"{IMAGE_TYPE} has no tags in the plan; expected <registry>/<repository>:<version> first")
    name, file_version = split_tag(tags[0])
    source = (inputs.get("labels") or {}).get("org.opencontainers.image.source", "")
    match = re.fullmatch(r"https://github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)", source)
    if not match:
        raise ReleaseError(f"image label org.opencontainers.image.source is {source!r}, expected https://github.com/<owner>/<repo>")
    if requested:
        version, origin = requested, "the requested version"
    elif deployed_ref and split_tag(deployed_ref)[1]:
        version, origin = split_tag(deployed_ref)[1] or "", f"staging's imageRef {deployed_ref}"
    elif file_version:
        version, origin = file_version, "image.version of the stack file"
    else:
        raise ReleaseError("no version: pass one, or set image.version in the stack file")
    return {"version": check_version(version, origin), "app_repository": match.group(1), "image": name}


def _request(url: str, headers: dict[str, str], method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - https or a test server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()
    except (urllib.error.URLError, TimeoutError) as err:
        raise ReleaseError(f"registry {url} did not answer: {err}") from None


def _bearer_token(api: str, path: str, username: str, token: str) -> Optional[str]:
    """The registry's token for pulling ``path`` (the Docker token flow), or None when it needs none."""
    status, headers, _ = _request(f"{api}/v2/", {})
    challenge = next((v for k, v in headers.items() if k.lower() == "www-authenticate"), "")
    if status != 401 or not challenge.lower().startswith("bearer "):
        return None
    fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    if "realm" not in fields:
        raise ReleaseError(f"registry {api} asked for a token without naming its realm")
    query = {"scope": f"repository:{path}:pull"}
    if "service" in fields:
        query["service"] = fields["service"]
    basic = base64.b64encode(f"{username}:{token}".encode()).decode() if token else ""
    status, _, body = _request(
        f"{fields['realm']}?{urllib.parse.urlencode(query)}", {"Authorization": f"Basic {basic}"} if basic else {}
    )
    if status != 200:
        raise ReleaseError(f"registry {api} refused a pull token for {path} (HTTP {status}): check REGISTRY_TOKEN")
    answer = json.loads(body or b"{}")
    return answer.get("token") or answer.get("access_token")


def registry_digest(image: str, version: str, username: str, token: str, api: Optional[str] = None) -> Optional[str]:
    """The digest the registry holds for ``image:version``; None when the tag does not exist."""
    host, _, path = image.partition("/")
    if not path:
        raise ReleaseError(f"image {image!r} has no registry host, expected <host>/<repository>")
    api = (api or f"https://{host}").rstrip("/")
    headers = {"Accept": MANIFEST_TYPES}
    bearer = _bearer_token(api, path, username, token)
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    status, answer, _ = _request(f"{api}/v2/{path}/manifests/{version}", headers, method="HEAD")
    if status == 404:
        return None
    digest = next((v for k, v in answer.items() if k.lower() == "docker-content-digest"), "")
    if status != 200 or not DIGEST_RE.fullmatch(digest):
        raise ReleaseError(f"registry answered HTTP {status} for {image}:{version} without a digest; cannot tell whether it exists")
    return digest


def guard(image: str, version: str, deployed_ref: str, digest: Optional[str]) -> str:
    """``new`` or ``deployed``; raises when pushing would overwrite an existing tag."""
    if digest is None:
        return "new"
    if deployed_ref == f"{image}:{version}@{digest}":
        return "deployed"
    raise ReleaseError(
        f"{image}:{version} exists already ({digest}) and is not what staging runs "
        f"({deployed_ref or 'nothing deployed'}): a version tag is pushed once. Release a new version."
    )


def changed_images(preview: dict) -> list[str]:
    """URNs of images a `pulumi preview --json` would create, update or replace."""
    changed = []
    for step in preview.get("steps", []):
        urn = str(step.get("urn", ""))
        if urn.split("::")[-2].split("$")[-1] == IMAGE_TYPE and step.get("op") not in UNCHANGED_OPS:
            changed.append(f"{urn} ({step.get('op')})")
    return changed


def _load(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReleaseError(f"{path}: not a readable JSON document ({err})") from None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p_resolve = commands.add_parser("resolve")
    p_resolve.add_argument("--plan", required=True)
    p_resolve.add_argument("--deployed-ref", default="")
    p_resolve.add_argument("--requested", default="")
    p_guard = commands.add_parser("guard")
    p_guard.add_argument("--image", required=True)
    p_guard.add_argument("--version", required=True)
    p_guard.add_argument("--deployed-ref", default="")
    p_unchanged = commands.add_parser("unchanged")
    p_unchanged.add_argument("preview")
    args = parser.parse_args(argv)
    try:
        if args.command == "resolve":
            for key, value in resolve(_load(args.plan), args.deployed_ref.strip(), args.requested.strip()).items():
                print(f"{key}={value}")
        elif args.command == "guard":
            version = check_version(args.version, "--version")
            digest = registry_digest(
                args.image, version, os.environ.get("REGISTRY_USERNAME", ""), os.environ.get("REGISTRY_TOKEN", ""),
                os.environ.get("REGISTRY_API") or None,
            )
            state = guard(args.image, version, args.deployed_ref.strip(), digest)
            print(f"state={state}")
            print(f"{args.image}:{version}: {'not pushed yet' if state == 'new' else 'pushed by the deploy staging runs'}", file=sys.stderr)
        else:
            changed = changed_images(_load(args.preview))
            if changed:
                raise ReleaseError(
                    "the version tag exists, but this run would build the image again and push over it: "
                    + ", ".join(changed) + ". Release a new version."
                )
            print("the image is unchanged: nothing is pushed", file=sys.stderr)
    except ReleaseError as err:
        print(f"::error::{err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
