"""The logs benchmark keeps working: a small run of its main function, in-process.

Rempart only (``--skip-anchor``), one timed run per input, and no timing asserted:
only that every row and figure is there and makes sense. The real-log part reads two
tiny logs made here, under the names the benchmark looks for (the suite never needs
the shared corpora).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from rempart.logs.registry import SPECS

BENCH = Path(__file__).resolve().parents[2] / "bench" / "logs_bench.py"
SCANNER = "10.9.8.7"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("logs_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["logs_bench"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["logs_bench"]
        raise
    return module


def tiny_corpora(root: Path) -> Path:
    """A scanner 404ing 40 paths in 20 s, and three ordinary visits."""
    logs = root / "logs"
    logs.mkdir(parents=True)
    scan = [
        f'{SCANNER} - - [22/Dec/2016:22:32:{k // 2:02d} +0300] "GET /probe-{k}.php HTTP/1.1" '
        f'404 210 "-" "w3af.org"'
        for k in range(40)
    ]
    (logs / "w3af-scan-2016.log").write_text("\n".join(scan) + "\n")
    visits = [
        f'198.51.100.{k} - - [17/May/2015:10:05:{k:02d} +0000] "GET /articles/{k} HTTP/1.1" '
        f'200 5120 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:38.0) Gecko/20100101 Firefox/38.0"'
        for k in range(3)
    ]
    (logs / "elastic-apache-2015.log").write_text("\n".join(visits) + "\n")
    return root


def test_bench_runs_on_a_small_log(tmp_path: Path) -> None:
    bench = load_bench()
    out, md = tmp_path / "logs.json", tmp_path / "logs.md"
    corpora = tiny_corpora(tmp_path / "corpora")
    argv = ["--lines", "45000", "--runs", "1", "--skip-anchor", "--corpora", str(corpora),
            "--out", str(out), "--md", str(md), "--memory-mib", "16"]  # fmt: skip
    returned = bench.main(argv)
    data = json.loads(out.read_text())
    assert data == json.loads(json.dumps(returned))

    speed = data["speed"]
    assert speed["anchors"] == {"ran": False, "reason": "--skip-anchor", "versions": {}}
    assert [row["tool"] for row in speed["rows"]] == [
        "rempart", "rempart_gzip", "rempart_budget_45000", "rempart_budget_135000"
    ]  # fmt: skip
    for row in speed["rows"]:
        assert row["ok"], row["stderr_tail"]
        assert row["lines_per_s"] > 0 and row["best"]["peak_rss_mib"] > 0
        assert row["output"]["blocklist_entries"] > 0
    plain, packed, budget, _triple = speed["rows"]
    assert plain["output"] == packed["output"]  # gzip or not, the same block list
    assert budget["output"] == plain["output"]  # in shards on disk, the same block list

    quality = data["quality"]
    assert quality["lines"] == data["log"]["lines"] == 45_000 and quality["unreadable"] == 0
    assert quality["failures"] == []
    assert [row["detector"] for row in quality["detectors"]] == [s.id for s in SPECS]
    for row in quality["detectors"]:
        assert row["expected"] > 0 and 0 <= row["recall"] <= 1, row["detector"]
        assert row["true_positives"] <= row["flagged"]
    assert {row["name"] for row in quality["attacks"]} >= {"distributed_flood", "vuln_scanner"}
    assert data["log"]["backward_steps"] > 0

    real = data["real_logs"]
    assert real["w3af"]["scan_sources"] == [SCANNER]
    assert real["elastic"]["ran"] and real["elastic"]["highest"] is None
    text = md.read_text()
    assert "## Speed" in text and "`flood.distributed`" in text and "| w3af |" in text
