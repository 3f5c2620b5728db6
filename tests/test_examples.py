"""Every gallery example runs end to end in its quick mode."""

import runpy
from pathlib import Path

import matplotlib
import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("plot_*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_quick(path, monkeypatch, tmp_path):
    matplotlib.use("Agg")
    monkeypatch.setenv("SKLIMB_QUICK", "1")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    import matplotlib.pyplot as plt

    assert plt.get_fignums(), f"{path.name} drew no figure"
    plt.close("all")
