"""The website benchmark keeps working: a tiny run of its main function, in-process.

No timing is asserted: only that the row is there and its numbers make sense.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench" / "site_bench.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("site_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["site_bench"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["site_bench"]
        raise
    return module


def test_bench_runs_on_6_sites(tmp_path: Path) -> None:
    bench = load_bench()
    out = tmp_path / "sites.json"
    returned = bench.main(["--sites", "6", "--skip-dask", "--skip-anchor", "--out", str(out)])
    data = json.loads(out.read_text())
    assert data == json.loads(json.dumps(returned, default=str))
    assert [row["tool"] for row in data["rows"]] == ["rempart"]
    row = data["rows"][0]
    assert row["sites"] == 6
    for key in ("wall_s", "sites_per_s", "requests", "connections", "findings", "peak_rss_mib"):
        assert row[key] > 0, key
    assert row["requests"] >= 6 * 30  # every site: guessed paths, WordPress, crawl
    assert row["errors"] == 0
    assert row["blocked_network_calls"] == 0
    assert data["mix"]["weak"] == 3 and data["mix"]["clean"] == 2 and data["mix"]["catchall"] == 1
    assert data["planted_found"]["found"] == data["planted_found"]["expected"] > 0
    assert data["anchor"] == {"ran": False, "reason": "--skip-anchor"}
    assert data["loopback_guard"]["blocked"] == 0
