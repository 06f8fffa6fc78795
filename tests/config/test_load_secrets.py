"""``stackconfig.load.secret_output``: a config secret reaches the program only as a secret Output."""

from __future__ import annotations

from pulumi.runtime.sync_await import _sync_await
from pydantic import SecretStr

from stackconfig.load import secret_output


def test_a_secret_stays_secret():
    # _sync_await runs on the loop the SDK uses and leaves it open (asyncio.run would close it under
    # every later test of this process).
    out = secret_output(SecretStr("token-placeholder"))  # pragma: allowlist secret
    assert (_sync_await(out.is_secret()), _sync_await(out.future())) == (True, "token-placeholder")


def test_an_unset_secret_stays_unset():
    assert secret_output(None) is None
