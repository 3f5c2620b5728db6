"""Searches and sweeps on Dask (joblib's dask backend) equal local runs.

The searches run on a local cluster of two single-threaded worker processes,
as ``dask worker --nthreads 1`` would on a cluster, in one test, so that the
cost of starting those processes is paid once even under pytest-xdist. The
other tests share a cluster of two worker threads of this process behind a
TCP scheduler: tasks and results still travel pickled, at no start-up cost.
"""

import json
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklimb import BilinearNetClassifier
from sklimb.experiments import SweepConfig, cli, run_sweep
from sklimb.experiments import runner as runner_module
from sklimb.metrics import make_masked_zone_scorer
from sklimb.model_selection import BatchedFallbackWarning, BatchedGridSearchCV
from sklimb.penalty import random_mask

distributed = pytest.importorskip("dask.distributed")

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # In-process workers' HTTP servers pick another port when 8787 is taken.
    pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning"),
]

A = random_mask(10, n_cells=20, random_state=0)
SWEEP = {
    "datasets": ("digits",),
    "losses": ("bilinear",),
    "alphas": (0.0, 0.9),
    "mask_sizes": (20,),
    "reps": 2,
    "epochs": 2,
    "device": "cpu",
}
SWEEP_ARGS = [
    "--datasets", "digits", "--losses", "bilinear", "--alphas", "0", "0.9",
    "--mask-sizes", "20", "--reps", "2", "--epochs", "2", "--device", "cpu",
    "--no-progress", "--no-plots",
]  # fmt: skip
# What differs between two runs of the same fit.
RUN_FIELDS = {"fit_time_s", "finished_at"}


def _local_cluster(processes):
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        protocol="tcp",
        dashboard_address=None,
    )


@pytest.fixture(scope="module")
def client():
    """The current Client, of a TCP scheduler and two worker threads."""
    with _local_cluster(False) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def small_digits(digits):
    X, y = digits
    return X[:540], y[:540]


def _search(kind, net_device="auto"):
    pipe = make_pipeline(
        StandardScaler(),
        BilinearNetClassifier(
            penalty_matrix=A, max_epochs=3, device=net_device, random_state=0
        ),
    )
    grid = {
        "bilinearnetclassifier__alpha": [0.0, 0.9],
        "bilinearnetclassifier__random_state": [0, 1],
    }
    return kind(pipe, grid, scoring=make_masked_zone_scorer(A), cv=3)


def _assert_same_search(local, remote, X):
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(local.cv_results_[key], remote.cv_results_[key])
    assert local.best_params_ == remote.best_params_
    np.testing.assert_array_equal(
        local.best_estimator_.predict_proba(X), remote.best_estimator_.predict_proba(X)
    )


def _searches_equal_local_ones(X, y, remote_client):
    for kind in (GridSearchCV, BatchedGridSearchCV):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BatchedFallbackWarning)
            local = _search(kind).fit(X, y)
            # The user's code: the current Client and joblib's dask backend.
            with (
                distributed.get_task_stream(remote_client) as stream,
                joblib.parallel_backend("dask"),
            ):
                remote = _search(kind).fit(X, y)
        _assert_same_search(local, remote, X[:50])
        # The folds really ran on the workers.
        assert stream.data, f"{kind.__name__}: no task reached the Dask workers"
        workers = {task["worker"] for task in stream.data}
        assert workers <= set(remote_client.scheduler_info()["workers"])


def test_searches_on_worker_processes_equal_local_searches(small_digits):
    with (
        _local_cluster(True) as cluster,
        distributed.Client(cluster) as processes,
    ):
        _searches_equal_local_ones(*small_digits, processes)


def test_searches_on_worker_threads_equal_local_searches(small_digits, client):
    # Threads of this process, as in dask-ml's first example
    # (Client(processes=False)): seeded fits there once drew from each other's
    # torch generator (see sklimb/_rng.py).
    _searches_equal_local_ones(*small_digits, client)


def _rows(path):
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return sorted(
        ({k: v for k, v in row.items() if k not in RUN_FIELDS} for row in rows),
        key=lambda r: (r["loss"], r["mask_size"], r["alpha"], r["rep"]),
    )


@pytest.mark.parametrize("batch", [True, False])
def test_sweep_on_dask_equals_a_local_sweep_and_resumes(tmp_path, client, batch):
    # batch: a task per (dataset, repetition) group trained together; else a
    # task per fit.
    config = SweepConfig(**SWEEP)
    kwargs = {"batch": batch, "progress": False, "plots": False}
    local = run_sweep(config, tmp_path / "local", **kwargs)
    with distributed.get_task_stream(client) as stream:
        remote = run_sweep(
            config,
            tmp_path / "dask",
            backend="dask",
            scheduler=client.scheduler.address,
            **kwargs,
        )
    assert len(stream.data) == (2 if batch else 4)
    assert local.n_run == remote.n_run == 4 and not remote.failures
    assert _rows(tmp_path / "dask" / "results.jsonl") == _rows(
        tmp_path / "local" / "results.jsonl"
    )
    # Written here, once per fit, as the loky path does; resuming (with the
    # current client this time) skips them.
    again = run_sweep(config, tmp_path / "dask", backend="dask", **kwargs)
    assert (again.n_run, again.n_skipped) == (0, 4)
    assert len((tmp_path / "dask" / "results.jsonl").read_text().splitlines()) == 4


def test_cli_dask_scheduler_option(tmp_path, client, capsys):
    out = tmp_path / "cli"
    args = [*SWEEP_ARGS, "--out", str(out)]
    scheduler = ["--dask-scheduler", client.scheduler.address]
    assert cli.main([*args, *scheduler]) == 0
    assert "4 fits run, 0 already done, 0 failed" in capsys.readouterr().out
    local = tmp_path / "local"
    assert cli.main([*SWEEP_ARGS, "--out", str(local)]) == 0
    assert _rows(out / "results.jsonl") == _rows(local / "results.jsonl")
    assert cli.main([*args, *scheduler]) == 0
    assert "0 fits run, 4 already done" in capsys.readouterr().out


def test_cli_dask_option_errors(tmp_path, capsys):
    args = [*SWEEP_ARGS, "--out", str(tmp_path / "x")]
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*args, "--backend", "loky", "--dask-scheduler", "tcp://h:1"])
    assert exit_info.value.code == 2
    assert "--dask-scheduler needs --backend dask" in capsys.readouterr().err
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        status = cli.main([*args, "--dask-scheduler", "tcp://127.0.0.1:9"])
    assert status == 2
    assert "Cannot connect to the Dask scheduler" in capsys.readouterr().err
    with pytest.raises(ValueError, match="backend must be"):
        run_sweep(SweepConfig(**SWEEP), tmp_path / "y", backend="ray")
    with pytest.raises(ValueError, match="only used with backend='dask'"):
        run_sweep(SweepConfig(**SWEEP), tmp_path / "y", scheduler="tcp://h:1")


def test_without_a_client_a_local_cluster_of_jobs_workers_is_started(monkeypatch):
    # The cluster's parameters, checked without spawning processes here: the
    # worker processes themselves are exercised by the tests above.
    made = []

    class Recorder(distributed.LocalCluster):
        def __init__(self, **kwargs):
            made.append(dict(kwargs))
            super().__init__(**{**kwargs, "processes": False})

    monkeypatch.setattr(distributed, "LocalCluster", Recorder)
    monkeypatch.setattr(
        distributed, "default_client", lambda: (_ for _ in ()).throw(ValueError)
    )
    with runner_module._dask_client(None, 3) as own:
        assert len(own.scheduler_info()["workers"]) == 3
        cluster = own.cluster
    assert made == [
        {
            "n_workers": 3,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    ]
    assert own.status == "closed" and cluster.status.name == "closed"


def test_dask_backend_without_dask_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    status = cli.main([*SWEEP_ARGS, "--backend", "dask", "--out", str(tmp_path)])
    assert status == 2
    assert "pip install 'sklimb[dask]'" in capsys.readouterr().err
