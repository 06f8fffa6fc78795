"""The CrossGuard policy pack: ``pulumi preview --policy-pack policies``.

This file only builds the ``PolicyPack``. Constructing it starts the gRPC server the engine talks to
and blocks forever, so nothing may import this module; the policies live in ``policies/rules/`` and
are collected by ``policies/registry.py``, which ``python -m plan check`` runs offline.

The engine starts the pack with ``policies/`` as its working directory; the rules import as
``policies.rules...`` from the repository root, and so does ``platform_facts`` (the facts the program
and the pack share, standard library only: nothing to add to ``requirements.txt``), so that root goes
on ``sys.path`` first.
"""

import sys
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

from pulumi_policy import PolicyPack  # noqa: E402

from policies.registry import PACK_ENFORCEMENT_LEVEL, PACK_NAME, POLICIES  # noqa: E402

PolicyPack(name=PACK_NAME, enforcement_level=PACK_ENFORCEMENT_LEVEL, policies=POLICIES)
