"""``stackconfig.load.secret_output``: a config secret reaches the program only as a secret Output."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr

from stackconfig.load import secret_output


def test_a_secret_stays_secret():
    async def resolve():
        out = secret_output(SecretStr("token-placeholder"))  # pragma: allowlist secret
        return await out.is_secret(), await out.future()

    assert asyncio.run(resolve()) == (True, "token-placeholder")


def test_an_unset_secret_stays_unset():
    assert secret_output(None) is None
