"""The audit benchmark keeps working: a tiny run of its main function, in-process.

No timing is asserted: only that every row is there and its numbers make sense.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench" / "audit_bench.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_bench"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["audit_bench"]
        raise
    return module


def test_bench_runs_on_20_domains(tmp_path: Path) -> None:
    bench = load_bench()
    out = tmp_path / "audit.json"
    returned = bench.main(
        ["--domains", "20", "--skip-dask", "--qps-seconds", "0.3", "--out", str(out)]
    )
    data = json.loads(out.read_text())
    assert data == json.loads(json.dumps(returned, default=str))
    rows = {row["tool"]: row for row in data["rows"]}
    assert set(rows) == {"rempart", "checkdmarc"}
    for row in data["rows"]:
        assert row["domains"] == 20
        for key in ("wall_s", "domains_per_s", "dns_queries", "findings", "peak_rss_mib"):
            assert row[key] > 0, (row["name"], key)
        assert row["blocked_network_calls"] == 0
    assert rows["rempart"]["errors"] == 0
    assert data["findings_match"]["identical"]
    assert data["loopback_guard"]["blocked"] == 0
    assert data["anchor"]["https_requests"] > 0
    assert data["dns_server_ceiling"]["qps_client_in_this_process"] > 0
