"""The dashboard benchmark keeps working: a small run of its main function.

SQLite only (``--skip-pg``), 2,000 findings, a few requests per page; the server
really runs as a second process. No timing is asserted: only the JSON's shape,
that every page answered 200 every time, and that the seeded store is as asked.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench" / "web_bench.py"
FIGURES = {"p50_ms", "p95_ms", "max_ms", "requests_per_s"}


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["web_bench"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["web_bench"]
        raise
    return module


def test_bench_serves_a_small_store(tmp_path: Path) -> None:
    bench = load_bench()
    out, md = tmp_path / "web.json", tmp_path / "web.md"
    argv = ["--findings", "2000", "--events", "100", "--requests", "3", "--skip-pg",
            "--out", str(out), "--md", str(md)]  # fmt: skip
    bench.main(argv)
    result = json.loads(out.read_text())
    assert [b["backend"] for b in result["backends"]] == ["sqlite"]
    sqlite = result["backends"][0]
    store = sqlite["store"]
    assert store["findings"] == 2000 == sum(store["by_status"].values())
    assert store["by_status"]["accepted"] == 100  # one in twenty of the open ones
    assert store["by_status"]["fixed"] > 0 and store["events"] >= 100
    assert sqlite["server_peak_rss_mib"] > 0
    names = [name for name, _ in bench.PAGES]
    for phase, per_page in (("sequential", 3), ("concurrent", 3 * bench.CLIENTS)):
        rows = sqlite[phase]
        assert [r["name"] for r in rows] == names
        for r in rows:
            assert r["statuses"] == {"200": per_page}, (phase, r["path"])
            assert r["all_ok"] is True
            assert set(r) >= FIGURES
            assert 0 < r["p50_ms"] <= r["p95_ms"] <= r["max_ms"]
    goaled = {r["name"] for r in sqlite["sequential"] if r["goal_ms"] == 150.0}
    assert goaled == {n for n in names if n != "timeline" and not n.startswith("API")}
    text = md.read_text()
    assert "## sqlite: 2,000 findings" in text and "`/findings?page=1500`" in text


def test_percentile_is_nearest_rank() -> None:
    bench = load_bench()
    values = [float(v) for v in range(1, 101)]
    assert (bench.percentile(values, 50), bench.percentile(values, 95)) == (50.0, 95.0)
    assert bench.percentile([7.0], 95) == 7.0
    assert bench.percentile([3.0, 1.0, 2.0], 100) == 3.0
