"""Tests for sklimb.experiments, the paper-replication runner."""

import csv
import importlib.machinery
import json
import os
import re
import runpy
import signal
import sys
import types
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from sklimb import replicate
from sklimb.experiments import (
    RESULT_FIELDS,
    SweepConfig,
    cli,
    console_summary,
    data,
    fit_seed,
    mean_ci,
    paired_differences,
    plot_masked_zone_errors,
    plot_overall_error,
    read_results,
    run_sweep,
    runner,
    summarize,
)
from sklimb.penalty import random_mask

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

REAL_RUN_FIT = runner.run_fit
REAL_ESTIMATORS = dict(runner._ESTIMATORS)

# The tiny sweep of the tests: digits, both losses, 2 alphas, 1 mask size,
# 2 repetitions, 2 epochs = 8 fits of about 0.1 s each.
TINY = {
    "datasets": ("digits",),
    "alphas": (0.0, 0.9),
    "mask_sizes": (20,),
    "reps": 2,
    "epochs": 2,
    "device": "cpu",
}
N_TINY = 2 * 2 * 1 * 2


def tiny_config(**changes):
    return SweepConfig(**{**TINY, **changes})


def run_tiny(out, **kwargs):
    # One fit at a time: these tests replace runner.run_fit (the batched path,
    # tested in test_batched.py, trains groups of fits without it).
    kwargs.setdefault("batch", False)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("plots", False)
    return run_sweep(tiny_config(), out, **kwargs)


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def key(row):
    return (row["loss"], int(row["mask_size"]), float(row["alpha"]), int(row["rep"]))


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    return run_sweep(tiny_config(), out, progress=False, plots=True)


# --------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_mean_ci_matches_scipy_t_interval(confidence):
    values = np.array([2.1, 3.4, 1.9, 4.0, 2.8, 3.3])
    mean, half = mean_ci(values, confidence)
    low, high = stats.t.interval(
        confidence, len(values) - 1, loc=values.mean(), scale=stats.sem(values)
    )
    assert mean == pytest.approx(values.mean())
    assert mean - half == pytest.approx(low)
    assert mean + half == pytest.approx(high)
    expected = stats.t.ppf((1 + confidence) / 2, 5) * values.std(ddof=1) / np.sqrt(6)
    assert half == pytest.approx(expected)


def test_mean_ci_edge_cases():
    mean, half = mean_ci([7.0])
    assert mean == 7.0 and np.isnan(half)
    assert all(np.isnan(mean_ci([])))
    # NaN observations are ignored.
    assert mean_ci([1.0, np.nan, 3.0]) == pytest.approx(mean_ci([1.0, 3.0]))
    # Identical values: zero-width interval.
    assert mean_ci([0.5, 0.5, 0.5]) == (0.5, 0.0)
    with pytest.raises(ValueError, match="confidence must be in"):
        mean_ci([1.0, 2.0], confidence=95)


def _rows(values):
    """Rows of one (dataset, loss, n); values[alpha] lists one error per rep."""
    return [
        {
            "dataset": "d",
            "loss": "bilinear",
            "mask_size": 10,
            "alpha": alpha,
            "rep": rep,
            "masked_zone_error": err,
            "masked_zone_count": 100 * err,
            "masked_zone_error_share": err / 2,
            "overall_error": 0.1 + alpha * err,
        }
        for alpha, errors in values.items()
        for rep, err in enumerate(errors)
    ]


def test_summarize_means_cis_and_paired_reduction():
    base = [0.05, 0.03, 0.04, 0.06]
    treated = [0.01, 0.02, 0.01, 0.02]
    table = summarize(_rows({0.0: base, 0.5: treated})).set_index("alpha")
    assert list(table["reps"]) == [4, 4]
    assert table.loc[0.5, "masked_zone_error_mean"] == pytest.approx(np.mean(treated))
    assert table.loc[0.5, "masked_zone_error_ci95"] == pytest.approx(
        mean_ci(treated)[1]
    )
    diffs = np.subtract(treated, base)
    assert table.loc[0.5, "masked_zone_error_diff_mean"] == pytest.approx(diffs.mean())
    assert table.loc[0.5, "masked_zone_error_diff_ci95"] == pytest.approx(
        mean_ci(diffs)[1]
    )
    assert table.loc[0.5, "masked_zone_error_diff_pvalue"] == pytest.approx(
        stats.ttest_rel(treated, base).pvalue
    )
    # 0.015 on average instead of 0.045: two thirds fewer masked-zone errors.
    assert table.loc[0.5, "masked_zone_reduction"] == pytest.approx(2 / 3)
    assert table.loc[0.0, "masked_zone_reduction"] == 0.0
    assert table.loc[0.0, "masked_zone_error_diff_pvalue"] == 1.0
    assert list(table["n_pairs"]) == [4, 4]


def test_paired_differences_pair_by_repetition():
    rows = _rows({0.0: [0.05, 0.03], 0.9: [0.01, 0.04]})
    rows = [r for r in rows if not (r["alpha"] == 0.0 and r["rep"] == 1)]
    diffs = paired_differences(rows)
    # Repetition 1 has no baseline: only repetition 0 is paired.
    assert diffs[["alpha", "rep"]].values.tolist() == [[0.0, 0], [0.9, 0]]
    assert_allclose(diffs["diff"], [0.0, -0.04])
    table = summarize(rows).set_index("alpha")
    assert table.loc[0.9, "reps"] == 2
    assert table.loc[0.9, "n_pairs"] == 1
    assert np.isnan(table.loc[0.9, "masked_zone_error_diff_ci95"])


def test_summarize_rejects_empty_and_incomplete_results():
    with pytest.raises(ValueError, match="no fit"):
        summarize([])
    with pytest.raises(ValueError, match="overall_error"):
        summarize(
            [
                {k: v for k, v in r.items() if k != "overall_error"}
                for r in _rows({0.0: [0.1]})
            ]
        )


# --------------------------------------------------------------------------
# the grid
# --------------------------------------------------------------------------


def test_plan_is_paired_and_repetition_major():
    config = SweepConfig(alphas=(0, 0.5, 0.99), mask_sizes=(10, 30), reps=3)
    plan = config.fits()
    assert len(plan) == 2 * 3 * 2 * 3
    assert [spec.rep for spec in plan] == sorted(spec.rep for spec in plan)
    seeds = {}
    for spec in plan:
        seeds.setdefault((spec.mask_size, spec.rep), set()).add(spec.seed)
        assert spec.seed == fit_seed(0, "digits", spec.mask_size, spec.rep)
    # One seed (hence one mask) per (n, rep), shared by all alphas and losses...
    assert all(len(s) == 1 for s in seeds.values())
    # ...and a new one for each repetition and mask size.
    assert len({s.pop() for s in seeds.values()}) == len(seeds)
    assert fit_seed(1, "digits", 10, 0) != fit_seed(0, "digits", 10, 0)


def test_quick_preset_matches_the_documented_demo():
    config = SweepConfig.quick()
    assert config.datasets == ("digits",)
    assert config.losses == ("bilinear", "log_bilinear")
    assert config.alphas == (0.0, 0.5, 0.9, 0.99)
    assert config.mask_sizes == (10, 30)
    assert len(config.fits()) == 48
    assert SweepConfig.quick(reps=5).reps == 5


def test_default_models_and_epochs():
    config = SweepConfig(datasets=("digits", "fashion_mnist", "mnist"))
    assert config.datasets == ("digits", "fashion-mnist", "mnist")
    assert [config.model_for(d) for d in config.datasets] == ["mlp", "cnn", "cnn"]
    assert [config.epochs_for(d) for d in config.datasets] == [100, 10, 10]
    assert config.replace(epochs=3).epochs_for("mnist") == 3


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"alphas": (0, 1.5)}, "alphas must be numbers in"),
        ({"mask_sizes": (0,)}, r"mask_sizes must be integers in \[1, 90\]"),
        ({"mask_sizes": (91,)}, "mask_sizes must be integers"),
        ({"datasets": ("cifar10",)}, "unknown"),
        ({"losses": ("focal",)}, "losses must be chosen from"),
        ({"reps": 0}, "reps must be an integer >= 1"),
        ({"epochs": 0}, "epochs must be an integer >= 1"),
        ({"model": "resnet"}, "model must be one of"),
        ({"datasets": ("mnist1d",), "model": "cnn"}, "mnist1d holds 1-D"),
        ({"lr": -1.0}, "lr must be a positive finite number"),
        ({"lr": float("inf")}, "lr must be a positive finite number"),
        ({"alphas": ()}, "alphas must not be empty"),
    ],
)
def test_config_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        SweepConfig(**changes)


# --------------------------------------------------------------------------
# an end-to-end sweep
# --------------------------------------------------------------------------


def test_tiny_sweep_writes_every_output(tiny_sweep):
    out = tiny_sweep.out_dir
    assert tiny_sweep.n_run == N_TINY and tiny_sweep.n_skipped == 0
    assert not tiny_sweep.failures
    for name in (
        "results.jsonl",
        "results.csv",
        "summary.csv",
        "summary.md",
        "run_info.json",
        "masked_zone_digits.png",
        "masked_zone_digits.svg",
        "overall_error_digits.png",
        "overall_error_digits.svg",
    ):
        assert (out / name).stat().st_size > 0, name
    assert (out / "masked_zone_digits.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (out / "overall_error_digits.svg").read_bytes()[:1000]

    rows = read_jsonl(out / "results.jsonl")
    assert len(rows) == N_TINY
    assert len({key(r) for r in rows}) == N_TINY
    table = read_csv(out / "results.csv")
    assert list(table[0])[: len(RESULT_FIELDS)] == list(RESULT_FIELDS)
    assert [key(r) for r in table] == [key(r) for r in rows]

    summary = read_csv(out / "summary.csv")
    assert len(summary) == 2 * 2  # (loss, alpha) cells of one mask size
    assert {int(r["reps"]) for r in summary} == {2}
    markdown = (out / "summary.md").read_text()
    assert "## digits, bilinear loss" in markdown
    assert "## digits, log-bilinear loss" in markdown
    info = json.loads((out / "run_info.json").read_text())
    assert info["config"]["reps"] == 2 and info["fits_recorded"] == N_TINY
    assert [run["fits_run"] for run in info["runs"]] == [N_TINY]


def test_tiny_sweep_records_consistent_metrics(tiny_sweep):
    rows = tiny_sweep.rows
    for row in rows:
        assert row["n_test"] == 450 and row["n_train"] == 1347
        assert row["device"] == "cpu" and row["epochs"] == 2
        assert row["masked_zone_count"] == round(row["masked_zone_error"] * 450)
        assert row["n_errors"] == round(row["overall_error"] * 450)
        assert 0 <= row["masked_zone_count"] <= row["n_errors"]
        if row["n_errors"]:
            assert row["masked_zone_error_share"] == pytest.approx(
                row["masked_zone_count"] / row["n_errors"]
            )
        # The mask is the seeded random mask of (dataset, n, rep).
        cells = [tuple(map(int, c.split(">"))) for c in row["mask"].split()]
        assert len(cells) == 20 and all(i != j for i, j in cells)
        mask = random_mask(10, 20, random_state=row["seed"])
        assert sorted(cells) == sorted(map(tuple, np.argwhere(mask).tolist()))
    # alpha = 0 is plain cross-entropy: with the same seed, both losses give
    # the same model, hence the same errors.
    baseline = {}
    for row in rows:
        if row["alpha"] == 0:
            baseline.setdefault(row["rep"], set()).add(
                (row["masked_zone_count"], row["n_errors"])
            )
    assert all(len(v) == 1 for v in baseline.values())


def test_console_summary_and_figures(tiny_sweep):
    text = console_summary(tiny_sweep.summary)
    assert "digits, bilinear loss: masked-zone test errors, mean of 2 reps" in text
    assert "n=20" in text and "overall error" in text
    assert len(text.splitlines()) <= 24  # one screen
    fig = plot_masked_zone_errors(tiny_sweep.summary, "digits")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["bilinear loss", "log-bilinear loss"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0\n(CE)", "0.9"]
    assert len(fig.axes[0].get_lines()) == 1  # one line per mask size
    fig = plot_overall_error(tiny_sweep.summary, "digits")
    assert fig.axes[0].get_ylabel() == "overall test error (%)"
    with pytest.raises(ValueError, match="not in the summary"):
        plot_overall_error(tiny_sweep.summary, "mnist")


# --------------------------------------------------------------------------
# resuming
# --------------------------------------------------------------------------


def _interrupt_after(monkeypatch, n_fits):
    """Make the n_fits + 1-th fit raise KeyboardInterrupt; record fits run."""
    real, calls = REAL_RUN_FIT, []

    def fit(spec, config):
        if len(calls) == n_fits:
            raise KeyboardInterrupt
        calls.append(spec.key)
        return real(spec, config)

    monkeypatch.setattr(runner, "run_fit", fit)
    return calls


def test_interrupted_sweep_resumes_with_missing_fits_only(tmp_path, monkeypatch):
    calls = _interrupt_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        run_tiny(tmp_path)
    assert len(read_jsonl(tmp_path / "results.jsonl")) == 3
    # results.csv is kept in step with the finished fits.
    assert len(read_csv(tmp_path / "results.csv")) == 3
    done = set(calls)

    calls = _interrupt_after(monkeypatch, 100)
    result = run_tiny(tmp_path)
    assert result.n_skipped == 3 and result.n_run == N_TINY - 3
    assert not done & set(calls)  # nothing ran twice
    rows = read_jsonl(tmp_path / "results.jsonl")
    assert len(rows) == N_TINY == len({key(r) for r in rows})
    assert len(read_csv(tmp_path / "results.csv")) == N_TINY

    again = run_tiny(tmp_path)
    assert again.n_run == 0 and again.n_skipped == N_TINY
    # Each completed invocation adds its entry to run_info.json.
    info = json.loads((tmp_path / "run_info.json").read_text())
    assert [run["fits_run"] for run in info["runs"]] == [N_TINY - 3, 0]
    assert info["fits_recorded"] == N_TINY


def test_truncated_last_line_is_dropped_and_rerun(tmp_path):
    run_tiny(tmp_path)
    path = tmp_path / "results.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    # A kill in the middle of writing the last fit leaves half a line.
    path.write_text("".join(lines[:-1]) + lines[-1][:40])
    with pytest.warns(RuntimeWarning, match="incomplete last line"):
        result = run_tiny(tmp_path)
    assert result.n_run == 1 and result.n_skipped == N_TINY - 1
    rows = read_jsonl(path)  # every line is valid JSON again
    assert len(rows) == N_TINY == len({key(r) for r in rows})


def test_read_results_reports_a_corrupt_middle_line(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text('{"rep": 0}\nnot json\n{"rep": 2}\n')
    with pytest.raises(ValueError, match="line 2 is not a JSON object"):
        read_results(path)
    path.write_text('{"rep": 0}\n{"rep": 1}\n')
    assert read_results(path) == [{"rep": 0}, {"rep": 1}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_results(path)  # a clean file gives no warning
    assert read_results(tmp_path / "missing.jsonl") == []


def test_resuming_with_other_settings_is_refused(tmp_path):
    run_tiny(tmp_path)
    with pytest.raises(ValueError, match="epochs=2 there but 3 now"):
        run_sweep(tiny_config(epochs=3), tmp_path, progress=False, plots=False)


def test_failed_fit_is_reported_and_the_sweep_goes_on(tmp_path, monkeypatch):
    real = REAL_RUN_FIT

    def fit(spec, config):
        if spec.alpha == 0.9 and spec.loss == "log_bilinear":
            raise FloatingPointError("the loss became nan")
        return real(spec, config)

    monkeypatch.setattr(runner, "run_fit", fit)
    result = run_tiny(tmp_path)
    assert result.n_run == N_TINY - 2
    assert len(result.failures) == 2
    label, message = result.failures[0]
    assert label == "digits/log_bilinear n=20 alpha=0.9 rep 0"
    assert message == "FloatingPointError: the loss became nan"
    assert "FloatingPointError" in (tmp_path / "failures.log").read_text()
    assert len(read_jsonl(tmp_path / "results.jsonl")) == N_TINY - 2

    monkeypatch.setattr(runner, "run_fit", real)
    retry = run_tiny(tmp_path)  # failed fits are retried
    assert retry.n_run == 2 and not retry.failures


@pytest.mark.slow
def test_parallel_jobs_write_from_one_process(tmp_path):
    config = tiny_config(losses=("bilinear",), epochs=1)
    result = run_sweep(config, tmp_path, jobs=2, progress=False, plots=False)
    rows = read_jsonl(tmp_path / "results.jsonl")
    assert result.n_run == len(rows) == 4 == len({key(r) for r in rows})
    # Same seeds as a sequential run: the masks do not depend on the process.
    seeds = {(r["mask_size"], r["rep"]): r["seed"] for r in rows}
    assert seeds == {(20, rep): fit_seed(0, "digits", 20, rep) for rep in (0, 1)}


# --------------------------------------------------------------------------
# datasets
# --------------------------------------------------------------------------


def test_missing_idx_files_fail_before_training(tmp_path):
    config = tiny_config(datasets=("fashion-mnist",), data_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="Dataset 'fashion-mnist' not found"):
        run_sweep(config, tmp_path / "out", progress=False, plots=False)
    assert not (tmp_path / "out" / "results.jsonl").exists() or not read_results(
        tmp_path / "out" / "results.jsonl"
    )


def test_train_size_keeps_a_stratified_subset():
    subset = data.load_sweep_dataset("digits", train_size=500)
    assert subset.X_train.shape == (500, 64)
    assert np.bincount(subset.y_train).min() >= 49
    assert subset.X_test.shape == (450, 64)
    with pytest.raises(ValueError, match="smaller than the 1347 training"):
        data.load_sweep_dataset("digits", train_size=5000)


def test_mnist1d_comes_from_its_package(monkeypatch):
    rng = np.random.default_rng(0)
    fake_data = types.ModuleType("mnist1d.data")

    def make_dataset(args):
        np.random.seed(args["seed"])  # noqa: NPY002 (as the real package)
        return {
            "x": rng.normal(size=(40, 40)),
            "y": np.arange(40) % 10,
            "x_test": rng.normal(size=(20, 40)),
            "y_test": np.arange(20) % 10,
        }

    fake_data.make_dataset = make_dataset
    fake_data.get_dataset_args = lambda: {"seed": 42}
    fake = types.ModuleType("mnist1d")
    fake.__spec__ = importlib.machinery.ModuleSpec("mnist1d", None)
    fake.data = fake_data
    monkeypatch.setitem(sys.modules, "mnist1d", fake)
    monkeypatch.setitem(sys.modules, "mnist1d.data", fake_data)
    monkeypatch.setattr(data, "_CACHE", {})

    # The legacy global generator must come out of the loader unchanged.
    np.random.seed(123)  # noqa: NPY002
    expected_next = np.random.random_sample()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    loaded = data.load_sweep_dataset("mnist1d")
    assert np.random.random_sample() == expected_next  # noqa: NPY002
    assert loaded.X_train.shape == (40, 40) and loaded.X_train.dtype == np.float32
    assert loaded.y_test.dtype == np.int64 and loaded.name == "mnist1d"
    assert "mnist1d" in data.available_sweep_datasets()


def test_mnist1d_without_its_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(data.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(data, "_CACHE", {})
    with pytest.raises(ImportError, match="pip install mnist1d"):
        data.load_sweep_dataset("mnist1d")


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------

TINY_ARGS = [
    "--alphas", "0,0.9",
    "--mask-sizes", "20",
    "--reps", "2",
    "--epochs", "2",
    "--device", "cpu",
    "--no-progress",
    "--no-batch",  # one fit at a time: tests replace runner.run_fit
]  # fmt: skip


def test_cli_runs_and_resumes(tmp_path, capsys):
    out = str(tmp_path / "res")
    assert cli.main([*TINY_ARGS, "--losses", "bilinear", "--out", out]) == 0
    text = capsys.readouterr().out
    assert "sklimb-replicate: 4 fits: digits; bilinear; n = 20" in text
    assert "digits, bilinear loss: masked-zone test errors" in text
    assert "4 fits run, 0 already done, 0 failed" in text
    assert "summary.md" in text and "masked_zone_digits.png" in text
    assert cli.main([*TINY_ARGS, "--losses", "bilinear", "--out", out]) == 0
    assert "0 fits run, 4 already done" in capsys.readouterr().out


def test_cli_exit_status_when_a_fit_fails(tmp_path, monkeypatch, capsys):
    def fit(spec, config):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(runner, "run_fit", fit)
    args = [*TINY_ARGS, "--losses", "bilinear", "--no-plots"]
    assert cli.main([*args, "--out", str(tmp_path)]) == 1
    text = capsys.readouterr().out
    assert "4 fits failed" in text and "RuntimeError: out of memory" in text


def test_cli_reports_interruption(tmp_path, monkeypatch, capsys):
    _interrupt_after(monkeypatch, 1)
    assert cli.main([*TINY_ARGS, "--out", str(tmp_path)]) == 130
    assert "run the same command again to resume" in capsys.readouterr().err
    assert len(read_jsonl(tmp_path / "results.jsonl")) == 1


def test_cli_stops_cleanly_on_sigterm(tmp_path, monkeypatch, capsys):
    real, calls = REAL_RUN_FIT, []

    def fit(spec, config):
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # as ``kill PID`` would
        calls.append(spec.key)
        return real(spec, config)

    monkeypatch.setattr(runner, "run_fit", fit)
    before = signal.getsignal(signal.SIGTERM)
    assert cli.main([*TINY_ARGS, "--no-plots", "--out", str(tmp_path)]) == 130
    assert signal.getsignal(signal.SIGTERM) is before  # handler restored
    assert "Interrupted" in capsys.readouterr().err
    assert len(read_jsonl(tmp_path / "results.jsonl")) == 2
    assert len(read_csv(tmp_path / "results.csv")) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--alphas", "0", "2"], "alphas must be numbers in"),
        (["--alphas", "zero"], "'zero' is not a valid float"),
        (["--datasets", "cifar10"], "unknown"),
        (["--model", "vgg"], "invalid choice"),
    ],
)
def test_cli_rejects_bad_options(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_missing_data_is_a_clear_error(tmp_path, capsys):
    args = ["--datasets", "mnist", "--data-dir", str(tmp_path), "--no-progress"]
    assert cli.main([*args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "error: Dataset 'mnist' not found" in err


def test_python_dash_m_replicate_help(monkeypatch, capsys):
    # What ``python -m sklimb.replicate --help`` runs, in this process.
    monkeypatch.setattr(sys, "argv", ["replicate", "--help"])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(replicate.__file__, run_name="__main__")
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: sklimb-replicate")
    for option in ("--quick", "--datasets", "--alphas", "--mask-sizes", "--jobs"):
        assert option in text


# --------------------------------------------------------------------------
# interruptions inside training, and what a folder may be resumed with
# --------------------------------------------------------------------------
_VOLATILE = ("fit_time_s", "finished_at")


def _stable(rows):
    return sorted(
        ({k: v for k, v in row.items() if k not in _VOLATILE} for row in rows),
        key=key,
    )


def _signal_inside_training(monkeypatch, fit_index, epoch, signum):
    """Send ``signum`` to this process at the end of epoch ``epoch`` of the
    ``fit_index``-th fit trained from now on (0-based), while it trains."""
    from skorch.callbacks import Callback

    started = []

    class Sender(Callback):
        def on_train_begin(self, net, **kwargs):
            started.append(1)

        def on_epoch_end(self, net, **kwargs):
            if len(started) == fit_index + 1 and len(net.history) == epoch:
                os.kill(os.getpid(), signum)

    def with_sender(cls):
        def callbacks(self):
            return [*cls._default_callbacks.fget(self), ("signal", Sender())]

        return type(cls.__name__, (cls,), {"_default_callbacks": property(callbacks)})

    estimators = {name: with_sender(cls) for name, cls in REAL_ESTIMATORS.items()}
    monkeypatch.setattr(runner, "_ESTIMATORS", estimators)
    return started


def test_signal_inside_training_is_never_recorded_and_resume_matches(
    tmp_path, monkeypatch, tiny_sweep, capsys
):
    # Several interruptions at several points inside training: the first
    # epoch of the first fit, the last epoch of a later fit (SIGINT, as
    # Ctrl-C), and mid-fit through the command line (SIGTERM, as ``kill``).
    # Each interrupted fit is dropped, and the resumed sweep holds exactly the
    # rows of an uninterrupted one.
    out = tmp_path / "sweep"
    started = _signal_inside_training(monkeypatch, 0, 1, signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        run_tiny(out)
    assert len(started) == 1 and read_results(out / "results.jsonl") == []

    started = _signal_inside_training(monkeypatch, 3, 2, signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        run_tiny(out)
    assert len(read_jsonl(out / "results.jsonl")) == 3

    started = _signal_inside_training(monkeypatch, 2, 1, signal.SIGTERM)
    args = [*TINY_ARGS, "--no-plots", "--out", str(out)]
    assert cli.main(args) == 130
    assert "Interrupted" in capsys.readouterr().err
    assert len(read_jsonl(out / "results.jsonl")) == 5

    monkeypatch.setattr(runner, "_ESTIMATORS", REAL_ESTIMATORS)
    assert cli.main(args) == 0
    rows = read_jsonl(out / "results.jsonl")
    assert len(rows) == N_TINY
    assert _stable(rows) == _stable(tiny_sweep.rows)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"alphas": (0.5,)}, "alphas=[0.0, 0.9] there but [0.5] now"),
        ({"epochs": 3}, "epochs=2 there but 3 now"),
        ({"train_size": 500}, "train_size=None there but 500 now"),
        ({"reps": 3}, "reps=2 there but 3 now"),
    ],
)
def test_resuming_with_any_other_setting_is_refused(tmp_path, changes, message):
    # Also when no recorded fit shares a key with the new grid.
    run_sweep(tiny_config(), tmp_path, progress=False, plots=False)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ValueError, match=re.escape(message)):
        run_sweep(tiny_config(**changes), tmp_path, progress=False, plots=False)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_resuming_with_the_grid_values_in_another_order(tmp_path):
    # The same fits listed in another order were refused as other settings.
    config = tiny_config()
    run_sweep(config, tmp_path, progress=False, plots=False)
    again = tiny_config(
        alphas=config.alphas[::-1],
        losses=config.losses[::-1],
        mask_sizes=config.mask_sizes[::-1],
    )
    result = run_sweep(again, tmp_path, progress=False, plots=False)
    assert result.n_run == 0 and result.n_skipped == N_TINY


def test_fits_of_another_grid_are_refused_without_run_info(tmp_path):
    # With run_info.json removed, fits of another grid were summarised with
    # the new one's.
    run_tiny(tmp_path)
    (tmp_path / "run_info.json").unlink()
    before = (tmp_path / "results.jsonl").read_bytes()
    with pytest.raises(ValueError, match="fits that are not in this grid"):
        run_sweep(tiny_config(alphas=(0.5,)), tmp_path, progress=False, plots=False)
    assert (tmp_path / "results.jsonl").read_bytes() == before
    assert run_tiny(tmp_path).n_skipped == N_TINY  # its own grid resumes


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
def test_a_folder_takes_one_sweep_at_a_time(tmp_path):
    # Nothing stopped two runs from appending the same fits to one folder.
    import fcntl

    run_tiny(tmp_path)
    with open(tmp_path / ".sklimb-replicate.lock", "a") as other_run:
        fcntl.flock(other_run, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ValueError, match="Another sweep is writing"):
            run_tiny(tmp_path)
    assert run_tiny(tmp_path).n_skipped == N_TINY  # released: resumes


def test_a_fit_recorded_twice_counts_once(tmp_path):
    # Repeated lines moved the summary's mean and shrank its intervals.
    first = run_tiny(tmp_path)
    path = tmp_path / "results.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines + lines[:3]))
    with pytest.warns(UserWarning, match="records 3 fit"):
        again = run_tiny(tmp_path)
    assert len(again.rows) == N_TINY and again.n_run == 0
    assert again.summary.equals(first.summary)


def test_settings_are_recorded_before_the_first_fit(tmp_path, monkeypatch):
    _interrupt_after(monkeypatch, 0)
    with pytest.raises(KeyboardInterrupt):
        run_tiny(tmp_path)
    info = json.loads((tmp_path / "run_info.json").read_text())
    assert info["config"]["epochs"] == 2 and info["runs"] == []
    monkeypatch.setattr(runner, "run_fit", REAL_RUN_FIT)
    with pytest.raises(ValueError, match="epochs=2 there but 3 now"):
        run_sweep(tiny_config(epochs=3), tmp_path, progress=False, plots=False)


def test_corrupt_run_info_is_refused_not_reset(tmp_path):
    run_tiny(tmp_path)
    path = tmp_path / "run_info.json"
    path.write_text('{"config": {"epochs": 2}, "runs": [')
    with pytest.raises(ValueError, match="run_info.json' is corrupt"):
        run_tiny(tmp_path)
    assert path.read_text() == '{"config": {"epochs": 2}, "runs": ['


def test_output_folder_under_a_file_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        run_tiny(tmp_path / "file" / "out")
    args = [*TINY_ARGS, "--out", str(tmp_path / "file" / "out")]
    assert cli.main(args) == 2
    assert "is a file" in capsys.readouterr().err
    assert (tmp_path / "file").read_text() == "x"


def test_sweep_dataset_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(data, "_CACHE", type(data._CACHE)())
    loaded = [data.load_sweep_dataset("digits", train_size=n) for n in range(100, 106)]
    assert len(data._CACHE) == data._CACHE_SIZE
    # The most recent entries are kept and returned as they are.
    assert data.load_sweep_dataset("digits", train_size=105) is loaded[-1]
    assert len({id(d) for d in data._CACHE.values()}) == data._CACHE_SIZE


@pytest.mark.slow
@pytest.mark.parametrize("batched", [False, True])
def test_sweep_killed_at_random_moments_resumes_to_the_uninterrupted_rows(
    batched, tmp_path
):
    # The real command in its own process, stopped by SIGINT or SIGTERM at a
    # random moment after it starts (inside training, between fits, or while
    # writing), then resumed until it finishes: the rows are those of an
    # uninterrupted run. Both the one-at-a-time and the batched paths.
    import subprocess
    import time

    base = [a for a in TINY_ARGS if batched is False or a != "--no-batch"]
    base = [sys.executable, "-m", "sklimb.replicate", *base, "--no-plots"]

    def command(out):
        return [*base, "--out", str(out)]

    reference = subprocess.run(
        command(tmp_path / "reference"), capture_output=True, text=True, timeout=300
    )
    assert reference.returncode == 0, reference.stderr[-2000:]
    rng = np.random.default_rng(1 + batched)
    out = tmp_path / "sweep"
    codes = []
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGINT, signal.SIGTERM):
        proc = subprocess.Popen(
            command(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        proc.stdout.readline()  # "sklimb-replicate: 8 fits ...": it has started
        time.sleep(rng.uniform(0.0, 1.0))
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=300)
        codes.append(proc.returncode)
        assert proc.returncode in (0, 130), err[-2000:]
        if proc.returncode == 130:
            assert "Interrupted" in err
    finished = subprocess.run(command(out), capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    rows = read_jsonl(out / "results.jsonl")
    assert len(rows) == N_TINY
    expected = read_jsonl(tmp_path / "reference" / "results.jsonl")
    assert _stable(rows) == _stable(expected)
    assert 130 in codes


def test_help_text_prints_percent_signs_once():
    from sklimb.experiments.cli import build_parser

    text = build_parser().format_help()
    assert "95% confidence" in text and "%%" not in text


def test_cli_lists_only_the_files_it_wrote(tmp_path, capsys):
    # With --no-plots it still said "(figures also as SVG)".
    from sklimb.experiments import cli

    assert cli.main([*TINY_ARGS, "--no-plots", "--out", str(tmp_path)]) == 0
    line = [
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("Results in")
    ][0]
    assert "SVG" not in line and "results.jsonl" in line
