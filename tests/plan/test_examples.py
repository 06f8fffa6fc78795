"""Placeholders of ``--example-values``: found exactly where the preview has "[unknown]", and turned
back into "[unknown]" for the diff."""

from __future__ import annotations

import pytest

from plan.examples import as_unknown, is_placeholder, placeholders

URN = "urn:pulumi:s::p::t::r"


def _plan(inputs: dict, outputs: dict | None = None) -> dict:
    return {"resources": [{"urn": URN, "inputs": inputs}], "outputs": outputs or {}}


# (preview inputs, example inputs, placeholder paths)
CASES = [
    ({"a": "[unknown]", "b": "x"}, {"a": "prj_1", "b": "x"}, [["a"]]),
    ({"teams": ["[unknown]", "web"]}, {"teams": ["t-1", "web"]}, [["teams", 0]]),
    ({"n": {"id": "[unknown]"}}, {"n": {"id": 7}}, [["n", "id"]]),
    ({"value": "[unknown]"}, {}, [["value"]]),  # resolved to nothing (no Vercel team)
    ({"token": "[secret]"}, {"token": "[secret]"}, []),
    ({"a": "[unknown]"}, {"a": "[unknown]"}, []),  # unknown in both: nothing was filled in
    ({"status": "[unknown]"}, {"status": {"ready": True}}, [["status"]]),
]


@pytest.mark.parametrize(("preview", "example", "expected"), CASES)
def test_placeholders_are_what_the_example_filled_in(preview, example, expected) -> None:
    marks = placeholders(_plan(preview), _plan(example))
    assert [m["path"] for m in marks] == expected and all(m["urn"] == URN for m in marks)
    document = {**_plan(example), "placeholders": marks}
    assert as_unknown(document)["resources"][0]["inputs"] == preview
    for path in expected:
        assert is_placeholder(document, URN, path) and is_placeholder(document, URN, [*path, "deeper"])
    assert not is_placeholder(document, None, ["a"])


def test_output_placeholders_have_no_urn() -> None:
    marks = placeholders(_plan({}, {"dsn": "[unknown]", "slug": "web"}), _plan({}, {"dsn": "https://k@o1.ingest/2", "slug": "web"}))
    assert marks == [{"urn": None, "path": ["dsn"]}]
    assert as_unknown({**_plan({}, {"dsn": "x", "slug": "web"}), "placeholders": marks})["outputs"] == {"dsn": "[unknown]", "slug": "web"}
