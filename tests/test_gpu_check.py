"""benchmarks/gpu_check.sh in its CPU dry-run mode: the plumbing that a GPU
owner runs in one command (tests, benchmarks, one summary table)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


@pytest.mark.skipif(sys.platform == "win32", reason="a bash script")
def test_gpu_check_dry_run_writes_every_file_and_the_summary(tmp_path):
    out = tmp_path / "check"
    env = {**os.environ, "PYTHON": sys.executable}
    proc = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("environment.json", "tests.xml", "fit.json", "gpu_check.log"):
        assert (out / name).is_file(), name
    steps = {
        line.split()[0]: int(line.split()[1])
        for line in (out / ".steps").read_text().splitlines()
    }
    for step in (
        "environment",
        "tests",
        "bench_fit",
        "bench_loss",
        "bench_group_step",
        "paper_sweep",
    ):
        assert steps[step] == 0, step
    assert (out / "loss.json").is_file()
    group = json.loads((out / "group_step.json").read_text())
    assert {(r["k"], r["strategy"]) for r in group["results"]} == {
        (1, "vmap"),
        (2, "vmap"),
        (2, "streams"),
    }
    assert all("ms_per_net_step" in r for r in group["results"])
    assert group["check_max_abs_diff_vmap_vs_streams"] < 1e-3
    paper = json.loads((out / "paper_sweep" / "run_info.json").read_text())
    assert paper["runs"][-1]["fits_run"] == 2
    env_info = json.loads((out / "environment.json").read_text())
    assert env_info["packages"]["torch"]
    fit = json.loads((out / "fit.json").read_text())
    assert fit["results"][0]["case"] == "digits-mlp"
    summary = (out / "summary.md").read_text()
    assert "# sklimb GPU check" in summary
    assert "bench_fit: digits-mlp" in summary
    assert "| sklimb-ce |" in summary
    assert "passed" in summary
    assert "| digits-mlp | bilinear |" in summary
    assert "| 2 | streams | float32 | False |" in summary
    chosen = (out / ".group_step").read_text().strip()
    assert chosen in ("vmap", "streams")
    assert f"| batched group step | {chosen} |" in summary
    assert (
        f"paper_sweep uses GROUP_STEP={chosen}" in (out / "gpu_check.log").read_text()
    )
    assert "| fits run (failed) | 2 (0) |" in summary
    assert "info (not the paper's settings" in summary
