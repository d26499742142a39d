"""golang/go#70886 on real Go: churn grows maps whose assignments never prune.

tests/go/churn_70886.go keeps 5,000 live keys, inserting a new key and deleting the
oldest 1,000,000 times, and prints each map's capacity in slots at every quarter (read
through a mirror of internal/runtime/maps.Map and table). The seed is random per run,
so the figures vary a little (int keys ended at 9,216-12,288 slots in trial runs); what
must hold is the split the emulator shows (tests/test_examples.py runs the same churn
in gcemu; docs/swiss.md has both sets of figures): the fast64 path prunes and stays
near 10,000 slots, the generic path (struct keys) does not and reaches 32,768, and the
pointer-key path prunes only from Go 1.27.
"""

import json
from pathlib import Path

import pytest

from gcemu.toolchain import build, have_toolchain, run

SOURCE = (Path(__file__).parent / "go" / "churn_70886.go").read_text()


@pytest.mark.parametrize("series", ["1.25", "1.27"])
def test_churn_on_real_go(series):
    if not have_toolchain(series):
        pytest.skip(f"no Go {series} toolchain (./dev test installs one)")
    from gcemu.toolchain import find_toolchain

    caps = json.loads(run(build(SOURCE, find_toolchain(series)), "5000 1000000"))
    ints, pairs, ptrs = caps["int"][-1], caps["struct{a, b int}"][-1], caps["*T"][-1]
    assert 8192 <= ints <= 16_384, caps
    assert pairs == 32_768 and pairs >= 2 * ints, caps
    if series == "1.25":
        assert ptrs >= 2 * ints, caps  # runtime_mapassign_fast64ptr never prunes
    else:
        assert ptrs <= 16_384, caps  # Go 1.27 prunes there too
