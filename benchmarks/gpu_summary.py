"""Environment record and summary table of ``benchmarks/gpu_check.sh``.

``python benchmarks/gpu_summary.py environment FILE`` writes the GPU model,
driver, CUDA and package versions as JSON; ``python benchmarks/gpu_summary.py
summary OUT_DIR`` reads what the check wrote to ``OUT_DIR`` (``environment.json``,
``tests.xml``, ``fit.json``, ``sweep.json``, ``loss.json``, ``group_step.json``,
``paper_sweep/run_info.json``, ``.steps``) and writes
``summary.md``: one table of every timing, ratio and target.
"""

import json
import os
import platform
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

_PACKAGES = ("torch", "skorch", "scikit-learn", "imbalanced-learn", "numpy", "sklimb")


def _nvidia_smi():
    query = "name,driver_version,memory.total,clocks.max.sm"
    try:
        out = subprocess.run(
            ["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    rows = [
        dict(zip(query.split(","), (v.strip() for v in line.split(",")), strict=True))
        for line in out.splitlines()
    ]
    return rows


def environment():
    """Versions and hardware of this machine, as a dict."""
    import torch

    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "packages": {},
        "cuda_available": torch.cuda.is_available(),
        "torch_cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
        "nvidia_smi": _nvidia_smi(),
    }
    for name in _PACKAGES:
        try:
            env["packages"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            module = {"scikit-learn": "sklearn", "imbalanced-learn": "imblearn"}
            try:
                mod = __import__(module.get(name, name))
                env["packages"][name] = getattr(mod, "__version__", "?")
            except ImportError:
                env["packages"][name] = None
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        env["gpu"] = props.name
        env["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
        env["gpu_sm_count"] = props.multi_processor_count
        env["bf16_supported"] = torch.cuda.is_bf16_supported()
    return env


def _tests(path):
    if not path.exists():
        return ["| tests | not run |"]
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = {
        k: sum(int(s.get(k, 0)) for s in suites)
        for k in ("tests", "failures", "errors", "skipped")
    }
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    rows = [
        f"| tests | {passed} passed, {total['failures']} failed, "
        f"{total['errors']} errors, {total['skipped']} skipped |"
    ]
    for suite in suites:
        for case in suite.iter("testcase"):
            for tag in ("failure", "error"):
                bad = case.find(tag)
                if bad is not None:
                    msg = (bad.get("message") or "").splitlines()[0][:160]
                    rows.append(f"| {tag} | `{case.get('name')}`: {msg} |")
    return rows


def _fit(path):
    if not path.exists():
        return ["", "bench_fit.py: no results (see gpu_check.log)."]
    data = json.loads(path.read_text())
    lines = []
    for res in data["results"]:
        lines += [
            "",
            f"### bench_fit: {res['case']} ({res.get('network', '')}), "
            f"{res['device']}, {res['n_samples']} samples, "
            f"{res['n_batches_per_epoch']} batches/epoch, {res['epochs']} epochs, "
            f"{res['repeats']} repeats",
            "",
            "| method | steady s/epoch | × plain | paired × "
            "| whole-fit s/epoch | × plain |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for m in res.get("methods", res["summary"]):
            s = res["summary"][m]
            lines.append(
                f"| {m} | {s['steady_s_per_epoch']:.4f} | {s['steady_ratio']:.3f} | "
                f"{s['steady_paired_ratio']:.3f} | {s['whole_fit_s_per_epoch']:.4f} | "
                f"{s['whole_fit_ratio']:.3f} |"
            )
        lines += [
            "",
            "| timing | check | ratio | verdict |",
            "| --- | --- | ---: | --- |",
        ]
        for c in res["checks"]:
            verdict = (
                "info" if c["passed"] is None else ("PASS" if c["passed"] else "FAIL")
            )
            lines.append(
                f"| {c['timing']} | {c['check']} | {c['ratio']:.3f} | {verdict} |"
            )
    return lines


def _sweep(path):
    if not path.exists():
        return ["", "bench_sweep.py: no results."]
    data = json.loads(path.read_text())
    lines = ["", "### bench_sweep", ""]
    rows = data.get("summary_rows") or data.get("rows")
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        keys = list(rows[0])
        lines += ["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys)]
        for row in rows:
            cells = [
                f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.values()
            ]
            lines.append("| " + " | ".join(cells) + " |")
    else:
        lines += ["```", json.dumps(data, indent=1)[:4000], "```"]
    return lines


def _loss(path):
    if not path.exists():
        return ["", "bench_loss.py: no results."]
    data = json.loads(path.read_text())
    lines = [
        "",
        f"### bench_loss: one training step per loss ({data['device']})",
        "",
        "| case | loss | µs per step | × cross-entropy | target |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for case, losses in data["results"].items():
        for name, r in losses.items():
            target = ""
            if name == "bilinear" and case == "mnist-cnn":
                target = "≤ 1.05: " + ("PASS" if r["ratio_to_ce"] <= 1.05 else "FAIL")
            lines.append(
                f"| {case} | {name} | {r['us_per_step']:.1f} | "
                f"{r['ratio_to_ce']:.3f} | {target} |"
            )
    return lines


def _group_step(path):
    if not path.exists():
        return ["", "bench_group_step.py: no results."]
    from bench_group_step import _table  # beside this file

    data = json.loads(path.read_text())
    return [
        "",
        f"### bench_group_step: one batched step per network ({data['device']})",
        "",
        _table(data),
    ]


#: Fits of the bilinear-loss paper's sweep: 2 losses x 5 mask sizes x 6 alphas
#: x 50 repetitions.
PAPER_FITS = 3000


def _paper_sweep(folder):
    info_path = folder / "run_info.json"
    if not info_path.exists():
        return ["", "paper sweep: no results (see gpu_check.log)."]
    info = json.loads(info_path.read_text())
    cfg, run = info["config"], info["runs"][-1]
    fits, wall = run["fits_run"], run["wall_time_s"]
    paper = (
        cfg["datasets"] == ["mnist"]
        and cfg["epochs"] in (None, 10)
        and cfg["train_size"] is None
        and cfg["model"] in ("auto", "cnn")
    )
    step_file = folder.parent / ".group_step"
    group_step = step_file.read_text().strip() if step_file.exists() else "vmap"
    minutes = wall * PAPER_FITS / max(fits, 1) / 60
    verdict = ("PASS" if minutes <= 15 else "FAIL") if paper else "info"
    return [
        "",
        "### paper sweep: one repetition of one loss, scaled to 3,000 fits",
        "",
        "| what | value |",
        "| --- | --- |",
        f"| command | `{run['command']}` |",
        f"| fits run (failed) | {fits} ({run['fits_failed']}) |",
        f"| batched group step | {group_step} |",
        f"| wall time | {wall:.1f} s ({wall / max(fits, 1):.2f} s per fit, data "
        "loading and test evaluation included) |",
        f"| 3,000 fits at this rate | {minutes:.1f} min |",
        f"| target ≤ 15 min (aim ≤ 10) | {verdict}"
        + ("" if paper else " (not the paper's settings: MNIST CNN, 10 epochs)")
        + " |",
    ]


def summary(out):
    """Write ``out/summary.md`` and return its text."""
    out = Path(out)
    env_path = out / "environment.json"
    env = json.loads(env_path.read_text()) if env_path.exists() else {}
    smi = (env.get("nvidia_smi") or [{}])[0]
    packages = ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())
    lines = [
        "# sklimb GPU check",
        "",
        "| what | value |",
        "| --- | --- |",
        f"| GPU | {env.get('gpu', 'none')} ({env.get('gpu_memory_gib', '?')} GiB, "
        f"{env.get('gpu_sm_count', '?')} SMs) |",
        f"| driver | {smi.get('driver_version', '?')} |",
        f"| CUDA (torch) | {env.get('torch_cuda')} |",
        f"| packages | {packages} |",
    ]
    steps = out / ".steps"
    if steps.exists():
        for line in steps.read_text().splitlines():
            name, rc, secs = line.split()
            lines.append(f"| step {name} | exit {rc}, {secs} s |")
    lines += _tests(out / "tests.xml")
    lines += _fit(out / "fit.json")
    lines += _sweep(out / "sweep.json")
    lines += _loss(out / "loss.json")
    lines += _group_step(out / "group_step.json")
    lines += _paper_sweep(out / "paper_sweep")
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text)
    return text


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in ("environment", "summary"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "environment":
        Path(argv[1]).write_text(json.dumps(environment(), indent=2))
        return 0
    print(summary(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
