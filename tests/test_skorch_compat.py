"""The skorch internals sklimb relies on (sklimb/_skorch_compat.py) are there.

A skorch release that renames or changes one of them fails here, by name,
instead of deep inside a fit.
"""

import inspect

import numpy as np
import pytest
import skorch
import torch
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import Callback, EarlyStopping

from sklimb import CostSensitiveNetClassifier
from sklimb._skorch_compat import (
    SKORCH_TESTED_RANGE,
    check_skorch_version,
    fit_loop_reporting_interrupt,
    skorch_param_names,
)


def test_installed_skorch_is_in_the_tested_range():
    major, minor = (int(p) for p in skorch.__version__.split(".")[:2])
    assert (1, 2) <= (major, minor) < (1, 5), SKORCH_TESTED_RANGE
    check_skorch_version()  # no warning inside the range


def test_private_members_used_by_the_seam_exist():
    for name in (
        "_initialize_criterion",
        "_set_training",
        "_validate_params",
        "_get_param_names",
        "_default_callbacks",
        "fit_loop",
        "notify",
        "get_params_for",
        "initialized_instance",
        "_zero_grad_optimizer",
        "__getstate__",
        "__setstate__",
    ):
        assert hasattr(NeuralNet, name), name
    assert "on_epoch_end" in vars(EarlyStopping)
    net = NeuralNetClassifier(torch.nn.Linear, module__in_features=2)
    assert net._optimizers == [] or isinstance(net._optimizers, list)
    assert "on_grad_computed" in vars(Callback)
    # skorch's own _validate_params shadows scikit-learn's: sklimb calls
    # scikit-learn's validator directly.
    from sklearn.base import BaseEstimator

    assert NeuralNet._validate_params is not BaseEstimator._validate_params


def test_skorch_partial_fit_still_hides_interrupts():
    # The reason for fit_loop_reporting_interrupt: when skorch stops hiding
    # KeyboardInterrupt, the seam can call partial_fit again.
    source = inspect.getsource(NeuralNet.partial_fit)
    assert "except KeyboardInterrupt" in source


def test_param_names_cover_skorch_constructors():
    names = skorch_param_names()
    for name in ("compile", "use_caching", "torch_load_kwargs", "train_split"):
        assert name in names
    assert "classes" in names  # NeuralNetClassifier's own
    params = CostSensitiveNetClassifier().get_params(deep=False)
    for klass in (NeuralNet, NeuralNetClassifier):
        for name in inspect.signature(klass.__init__).parameters:
            if name not in ("self", "args", "kwargs"):
                assert name in params, name


def test_fit_loop_reporting_interrupt_on_an_initialised_net():
    X = np.random.default_rng(0).normal(size=(30, 3)).astype(np.float32)
    y = np.arange(30) % 2
    net = CostSensitiveNetClassifier(max_epochs=1, device="cpu").fit(X, y)

    class Stop(Callback):
        def on_epoch_begin(self, net, **kwargs):
            raise KeyboardInterrupt

    net.callbacks_.append(("stop", Stop()))
    dataset = net.get_dataset(net._training_dataset(X, y, None, None, None, False))
    assert fit_loop_reporting_interrupt(net, dataset) is True
    net.callbacks_.pop()
    assert fit_loop_reporting_interrupt(net, dataset) is False
    with pytest.raises(TypeError):
        fit_loop_reporting_interrupt(net, dataset, bogus=1)


def test_callbacks_get_the_arguments_skorch_passes():
    # on_grad_computed receives what skorch's own train_step gives it.
    import torch

    X = np.random.default_rng(0).normal(size=(30, 3)).astype(np.float32)
    y = np.arange(30) % 2

    class Record(Callback):
        def __init__(self):
            self.calls = []

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.calls.append(sorted(kwargs))

    mine, theirs = Record(), Record()
    CostSensitiveNetClassifier(
        max_epochs=1, batch_size=30, device="cpu", callbacks=[("r", mine)]
    ).fit(X, y)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(3, 2)

        def forward(self, x):
            return torch.log_softmax(self.lin(x), dim=-1)

    NeuralNetClassifier(
        Net,
        max_epochs=1,
        batch_size=30,
        train_split=None,
        verbose=0,
        callbacks=[("r", theirs)],
    ).fit(X, y)
    assert mine.calls == theirs.calls == [["batch", "training"]]
