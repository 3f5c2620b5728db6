"""The one place where sklimb relies on skorch internals.

skorch documents ``fit``, ``partial_fit``, ``fit_loop`` and
``run_single_epoch`` as methods not to override, and its private methods
change between minor releases. Every use of something skorch does not
document as an extension point lives here, one commented item each, so that
a skorch release that changes one of them fails in one place (and in
``tests/test_skorch_compat.py``), not deep inside a fit.

Checked with skorch 1.4.0 (the whole test suite) and 1.2.0 (the estimator
tests, ``.ci/min-versions``; 1.3.0 on the pickling, routing and interrupt
tests); ``pyproject.toml`` declares ``skorch>=1.2,<1.5``. skorch 1.1 cannot
unpickle a net with torch >= 2.6 (``torch.load``'s ``weights_only`` default).
"""

import inspect
import warnings

from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import Callback

__all__ = [
    "SKORCH_TESTED_RANGE",
    "fit_loop_reporting_interrupt",
    "grad_hooks_in_use",
    "hooks_in_use",
    "reinitialize_criterion",
    "set_training_modes",
    "skorch_param_names",
    "validate_constraints",
]

#: The skorch versions this module was checked against.
SKORCH_TESTED_RANGE = ">=1.2,<1.5"


# 1. Parameter names. skorch's ``NeuralNet._get_param_names`` returns every
#    attribute of the instance that does not end in "_", which would expose
#    sklimb's private state to ``get_params``/``clone``. sklimb instead lists
#    its own constructor's parameters plus these: the named parameters of
#    skorch's ``NeuralNet.__init__`` and ``NeuralNetClassifier.__init__``
#    (read from their signatures, so a parameter added by skorch is kept by
#    ``clone`` instead of being dropped silently, as ``compile``,
#    ``use_caching``, ``torch_load_kwargs`` and ``train_split`` once were).
def skorch_param_names():
    """Named constructor parameters of skorch's ``NeuralNetClassifier``.

    Returns
    -------
    names : list of str
        In signature order, without ``self`` and ``**kwargs``.
    """
    names = []
    for klass in (NeuralNetClassifier, NeuralNet):
        for name, p in inspect.signature(klass.__init__).parameters.items():
            if name == "self" or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            if name not in names:
                names.append(name)
    return names


# 2. The fit loop with interrupts surfaced. ``NeuralNet.partial_fit`` runs
#    ``fit_loop`` inside ``except KeyboardInterrupt: pass``: a Ctrl-C (or a
#    SIGTERM turned into KeyboardInterrupt) ends ``fit`` normally after fewer
#    epochs, and a caller cannot tell it from a finished fit. This is
#    ``NeuralNet.partial_fit`` (skorch 1.4) without ``initialize()`` (sklimb's
#    ``_fit`` decides that), which reports the interruption instead of
#    hiding it. It also ends the callbacks (``on_train_end``) when the loop
#    raises, which skorch skips: a progress bar would stay open and make the
#    net unpicklable.
#    ``_routing_method`` is the keyword skorch 1.4's ``fit_loop`` uses to
#    pick fit's or partial_fit's metadata requests; older releases do not
#    accept it (it would reach the module's ``forward``).
def _fit_loop_takes_routing_method():
    return "_routing_method" in inspect.signature(NeuralNet.fit_loop).parameters


_ROUTING_KEYWORD = _fit_loop_takes_routing_method()


def _is_early_stop(exc, net):
    # skorch's EarlyStopping ends training by raising KeyboardInterrupt from
    # its on_epoch_end once ``misses_`` reaches ``patience``: that is a
    # finished fit. A KeyboardInterrupt raised anywhere else (or by a signal
    # while EarlyStopping is not at its limit) is a user's interruption.
    from skorch.callbacks import EarlyStopping

    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    for _, cb in net.callbacks_:
        if (
            isinstance(cb, EarlyStopping)
            and code
            in (EarlyStopping.on_epoch_end.__code__, type(cb).on_epoch_end.__code__)
            and cb.misses_ == cb.patience
        ):
            return True
    return False


def fit_loop_reporting_interrupt(net, X, y=None, routing_method="fit", **fit_params):
    """Run ``net.fit_loop`` between the train-begin and train-end callbacks.

    Parameters
    ----------
    net : NeuralNet
        An initialised net.
    X, y
        Training data as ``fit_loop`` takes them.
    routing_method : {"fit", "partial_fit"}, default="fit"
        The public method whose metadata requests apply (skorch >= 1.4).
    **fit_params
        Passed to ``fit_loop``.

    Returns
    -------
    interrupted : bool
        True when a ``KeyboardInterrupt`` stopped the loop before its end.
    """
    if _ROUTING_KEYWORD:
        fit_params["_routing_method"] = routing_method
    net.notify("on_train_begin", X=X, y=y)
    interrupted = False
    try:
        net.fit_loop(X, y, **fit_params)
    except KeyboardInterrupt as exc:
        interrupted = not _is_early_stop(exc, net)
    except BaseException:
        # The loop's own error is the one to report; a callback failing to
        # clean up after it (the finite-loss guard finding NaN weights, say)
        # must neither replace it nor keep the others from cleaning up.
        for end in [net.on_train_end, *(cb.on_train_end for _, cb in net.callbacks_)]:
            try:
                end(net, X=X, y=y)
            except Exception:  # noqa: BLE001, S112
                continue
        raise
    net.notify("on_train_end", X=X, y=y)
    return interrupted


# 3. ``NeuralNet._set_training`` (private) is called by skorch for every batch
#    and calls ``.train()``, which walks every submodule. sklimb's override
#    switches only the modules whose mode differs. It reads the private lists
#    ``_modules`` and ``_criteria`` that skorch fills in ``initialize``.
def set_training_modes(net, training=True):
    """Put the net's modules and criteria in training or evaluation mode,
    touching only those whose mode differs."""
    import torch

    for name in net._modules + net._criteria:
        module = getattr(net, name + "_")
        if isinstance(module, torch.nn.Module) and module.training != training:
            module.train(training)


# 4. ``on_grad_computed`` is notified by skorch's ``train_step`` with a
#    ``TeeGenerator`` over the parameters, for every batch (and
#    ``on_batch_begin`` / ``on_batch_end`` by its epoch loop). Whether anything
#    implements a hook is read by comparing with skorch's no-op base methods
#    (``NeuralNet.<hook>``, ``Callback.<hook>``) and from the private
#    ``callbacks_`` list of initialised callbacks.
def hooks_in_use(net, *hooks):
    """Whether the net or one of its callbacks implements one of ``hooks``."""
    if any(getattr(type(net), h) is not getattr(NeuralNet, h) for h in hooks):
        return True
    return any(
        getattr(type(cb), h) is not getattr(Callback, h)
        for _, cb in getattr(net, "callbacks_", [])
        for h in hooks
    )


def grad_hooks_in_use(net):
    """Whether the net or one of its callbacks implements on_grad_computed."""
    return hooks_in_use(net, "on_grad_computed")


# 5. Rebuilding the criterion of an initialised net. skorch rebuilds it only
#    on ``set_params(criterion__...)``; sklimb's loss parameters are
#    top-level (``loss``, ``alpha``, ...), so ``partial_fit`` and
#    ``warm_start`` rebuild it from them before training on. skorch's private
#    ``_initialize_criterion`` registers the criterion and moves it to the
#    device (and compiles it with ``compile=True``).
def reinitialize_criterion(net):
    """Build ``net.criterion_`` again from the net's current parameters."""
    net._initialize_criterion()


# 6. ``NeuralNet._validate_params`` (skorch's check of unexpected keyword
#    arguments, run by ``initialize``) shadows scikit-learn's
#    ``BaseEstimator._validate_params``, which checks
#    ``_parameter_constraints``. sklimb calls scikit-learn's function
#    directly.
def validate_constraints(net):
    """Check ``net``'s parameters against its ``_parameter_constraints``,
    raising scikit-learn's ``InvalidParameterError``."""
    from sklearn.utils._param_validation import validate_parameter_constraints

    validate_parameter_constraints(
        net._parameter_constraints,
        net.get_params(deep=False),
        caller_name=type(net).__name__,
    )


# 7. Overrides that must stay methods of the estimator class (skorch calls
#    them on the instance), catalogued here so that the list is in one place;
#    ``tests/test_skorch_compat.py`` checks each still exists in skorch:
#    - ``_default_callbacks`` (property): sklimb's callbacks (no PrintLog
#      table unless verbose, the finite-loss guard, early stopping built from
#      ``early_stopping``/``n_iter_no_change``/``tol``).
#    - ``_get_param_names``: see item 1.
#    - ``_set_training``: see item 3.
#    - ``__getstate__``/``__setstate__``: skorch pickles modules through
#      ``torch.save`` and maps CUDA tensors to the CPU when CUDA is missing;
#      sklimb drops its generator and captured graphs and resolves
#      ``device="auto"`` around skorch's code.
#    - ``train_step`` (documented by skorch for overriding) uses the private
#      ``_optimizers`` list and ``_zero_grad_optimizer`` of skorch 1.x.
def check_skorch_version():
    """Warn when the installed skorch is outside :data:`SKORCH_TESTED_RANGE`."""
    import skorch

    try:
        major, minor = (int(p) for p in skorch.__version__.split(".")[:2])
    except ValueError:
        return
    if (major, minor) < (1, 2) or (major, minor) >= (1, 5):
        warnings.warn(
            f"sklimb was checked with skorch {SKORCH_TESTED_RANGE}; skorch "
            f"{skorch.__version__} is installed. sklimb relies on skorch "
            "internals listed in sklimb/_skorch_compat.py.",
            UserWarning,
            stacklevel=2,
        )
