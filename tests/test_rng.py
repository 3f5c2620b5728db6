"""Seeded fits stay reproducible when several run at once in threads."""

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from sklimb import BilinearNetClassifier
from sklimb._rng import accelerator_index, seeded_global_rng


def _fit_proba(X, y, seed):
    net = BilinearNetClassifier(
        alpha=0.5,
        max_epochs=3,
        module__dropout=0.2,  # dropout draws from torch's global generator
        random_state=seed,
        device="cpu",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.fit(X, y)
    return net.predict_proba(X)


def test_seeded_fits_in_threads_equal_one_after_the_other(digits):
    # Two threads used to seed and draw from the same global generator at once
    # (joblib's threading backend, a Dask LocalCluster with processes=False):
    # every one of these fits came out different from a sequential run.
    X, y = digits[0][:400], digits[1][:400]
    seeds = range(6)
    sequential = [_fit_proba(X, y, s) for s in seeds]
    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(lambda s: _fit_proba(X, y, s), seeds))
    for a, b in zip(sequential, threaded, strict=True):
        np.testing.assert_array_equal(a, b)


def test_seeded_global_rng_restores_and_nests():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    with seeded_global_rng(7):
        first = torch.rand(3)
        with seeded_global_rng(7):  # the same thread may nest (re-entrant lock)
            again = torch.rand(3)
    torch.testing.assert_close(first, again)
    assert torch.equal(torch.get_rng_state(), before)
    with seeded_global_rng(None):  # no seed: generators left alone
        torch.rand(1)
    assert not torch.equal(torch.get_rng_state(), before)


@pytest.mark.parametrize("seed", [None, 3])
def test_seeded_global_rng_releases_the_lock_on_error(seed):
    with pytest.raises(RuntimeError, match="boom"), seeded_global_rng(seed):
        raise RuntimeError("boom")

    def draw():
        with seeded_global_rng(1):
            return torch.rand(1)

    with ThreadPoolExecutor(1) as pool:  # another thread can take the lock now
        assert pool.submit(draw).result(timeout=10).shape == (1,)


def _record_accelerator_seeding(monkeypatch):
    calls = []
    for module, name in [
        (torch.cuda, "manual_seed_all"),
        (torch.cuda, "manual_seed"),
        (torch.mps, "manual_seed"),
        (torch.xpu, "manual_seed_all"),
    ]:
        monkeypatch.setattr(
            module, name, lambda *a, _n=name, **k: calls.append((_n, a)), raising=True
        )
    return calls


def test_a_seeded_cpu_fit_leaves_accelerator_generators_alone(monkeypatch, digits):
    # torch.manual_seed also reseeds every CUDA device, which fork_rng(devices=[])
    # does not restore: a CPU fit left the user's CUDA generators reseeded.
    calls = _record_accelerator_seeding(monkeypatch)
    with seeded_global_rng(5):
        torch.rand(1)
    _fit_proba(digits[0][:100], digits[1][:100], seed=0)
    assert calls == []


def test_seeded_global_rng_seeds_the_cpu_generator_as_manual_seed_does():
    with seeded_global_rng(11):
        ours = torch.rand(4)
    torch.manual_seed(11)
    torch.testing.assert_close(ours, torch.rand(4), rtol=0, atol=0)


@pytest.mark.parametrize("device", ["cpu", None, torch.device("cpu"), "meta"])
def test_accelerator_index_off_accelerators(device):
    assert accelerator_index(device) is None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_accelerator_index_on_cuda():
    last = torch.cuda.device_count() - 1
    assert accelerator_index("cuda") == ("cuda", torch.cuda.current_device())
    assert accelerator_index(f"cuda:{last}") == ("cuda", last)
    assert accelerator_index(torch.device("cuda", last)) == ("cuda", last)


def test_a_seeded_fit_on_mps_seeds_and_restores_its_generator(monkeypatch):
    # torch.manual_seed used to seed the MPS generator (without restoring it);
    # seeding only what is restored must still seed the fit's own device.
    state = {"seed": None, "state": torch.tensor([1, 2, 3], dtype=torch.uint8)}

    def set_state(new, device="mps"):
        state["state"] = new

    monkeypatch.setattr(torch.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.mps, "get_rng_state", lambda device="mps": state["state"])
    monkeypatch.setattr(torch.mps, "set_rng_state", set_state)
    monkeypatch.setattr(
        torch.mps,
        "manual_seed",
        lambda seed: state.update(seed=seed, state=torch.tensor([seed % 256])),
    )
    assert accelerator_index("mps") == ("mps", 0)
    with seeded_global_rng(7, "mps"):
        assert state["seed"] == 7
    assert state["state"].tolist() == [1, 2, 3]
