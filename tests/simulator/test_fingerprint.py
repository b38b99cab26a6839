"""Generated tenants do not change: refactoring the generator or speeding up the server keeps every byte.

The pins were computed on the code before tenant.py was split into model, generator, truths and plan
(`PYTHONPATH=$PWD python tests/simulator/fingerprint.py`). A change that is meant to alter the generated
tenants must update them, and say so in its commit message. The truths were re-pinned once since, when they
gained licensing.paid_seats_purchased and licensing.paid_seats_assigned (objects, Graph JSON and reports kept).
"""

from __future__ import annotations

import os
import sys

import pytest

from .fingerprint import fingerprint

PINNED: dict[str, dict[str, str]] = {
    "demo": {
        "objects": "a61e70e70de86a89efc1052483c8e7ceb4e3cd2d138b643458376bc02c1f6717",
        "graph": "57d85838004f25ad9c463ece364bf835ab770e48c2f8fed16bbb7d32b28316f0",
        "truths": "6806ebf14ad56f7ab79552567863b180f5de7b08bfd5b36576bdcc25bffa85c1",
        "reports": "71e8e39c13bfc67bcac2f010b0fed23573781497287375222a4ecd2f6397d457",
    },
    "s": {
        "objects": "717a8a6546a1da5a5c1722bd4df9c6c3b8a69efe25b63390fa70b299ed108c08",
        "graph": "7f89837cd0b8084410f3449e92d20a83bbe4eae2abc6c33a0aa0b3becf927442",
        "truths": "6f1e414574ea4d54d76e09c0c15c65e7e82766b9f45929c4983b609c1f89995e",
        "reports": "67615e477e4444d1c849ae6076bd77fd9bd51936603e7fa791cb2eb3d911ca1c",
    },
    "m": {
        "objects": "cd45ceb2a23cd370b74dbd9ae7231d5023b69d857677c0a1eca93534a32a414c",
        "graph": "6a6d0c300a6ef2aca79f21d030df0726ab9a9f5b6211413ea5f0689399f69c9e",
        "truths": "53c0ce4dedfc7f7c89bc3c4b1d11fc59235f50b6baa426a252ead45228ab6d67",
        "reports": "05c67d00ab2c1dd56f8f48e55bf1d0bd64ad7f7d8b5601fb109d2e5945549fc1",
    },
    "l": {
        "objects": "9541a69a5d3627c19fc17a8cdce85919fa3bfd531a19c90b80672051c541592f",
        "graph": "7c45e791faab2619341a7eb1aeb866cc543aa6cb9b1afb53b00bc68c841d32ba",
        "truths": "8675f6eb1b2fdda433d1ebd2d173de856afe4d4cb3ee5ec3e08272406cde6341",
        "reports": "3b7f5a769124a31452158eb372d8cfdf8f2c301940a13df7cf065f03cb90f504",
    },
    "xl": {
        "objects": "68f52a3dc52ddf919bf98839156730942aeba44ca66dd44a4be6fbce3d1c2d3b",
        "graph": "ee8ec6889b32d232365672cbf03607eb2d5327b3ca54c5c4484768b75e42717c",
        "truths": "b52e16d655171cfbfd9c3e81ca481d0eb9725370b11cc65582e69c86de9410c1",
        "reports": "ba66095597836f0035bf859ddba61fbc078ecb3173c8dfe767649bcb038e70aa",
    },
}


#: l and xl take about a minute of CPU together: run them with M365EXIT_FINGERPRINT_ALL=1 (after touching the
#: generator, reports or shapes); the smaller sizes go through the same code and always run.
_LARGE = pytest.mark.skipif(not os.environ.get("M365EXIT_FINGERPRINT_ALL"), reason="set M365EXIT_FINGERPRINT_ALL=1")


@pytest.mark.parametrize("size", [pytest.param(s, marks=_LARGE) if s in ("l", "xl") else s for s in PINNED])
def test_generated_tenant_matches_its_pinned_fingerprint(size: str) -> None:
    assert fingerprint(size) == PINNED[size]


def test_fingerprint_sees_a_changed_value() -> None:
    """The fingerprint is not blind: one byte of one object, or of one report row, changes it."""
    from m365exit.simulator import generate_tenant

    tenant = generate_tenant("s")
    tenant.users[17].mailbox_bytes += 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys.modules[fingerprint.__module__], "generate_tenant", lambda size, seed=1: tenant)
        changed = fingerprint("s")
    assert changed["objects"] != PINNED["s"]["objects"]
    assert changed["truths"] != PINNED["s"]["truths"]  # exchange.storage_bytes
    assert changed["reports"] != PINNED["s"]["reports"]  # the mailbox usage row
