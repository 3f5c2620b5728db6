"""Cost-sensitive neural-net classifiers on skorch."""

import inspect
import numbers
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    EpochTimer,
    PrintLog,
)
from skorch.utils import TeeGenerator

from . import losses as L
from ._capture import (
    capture_blockers,
    captured_train_step,
    make_optimizer_capturable,
)
from ._iterator import (
    BatchIterator,
    DeviceDataset,
    sampling_probabilities,
    storage_device,
    to_storage,
)
from ._loss_registry import LOSS_PARAMETERS, LOSSES, build_criterion
from ._monitoring import EpochLoss, EpochProgressBar, FiniteLossGuard
from ._rng import seeded_global_rng
from ._skorch_compat import (
    fit_loop_reporting_interrupt,
    grad_hooks_in_use,
    reinitialize_criterion,
    set_training_modes,
    skorch_param_names,
    validate_constraints,
)
from ._training import acts_per_batch, lean_step_allowed, lean_train_step, run_epoch
from ._validation import (
    COST_LOSSES,
    check_device,
    check_fit_sample_weight,
    check_float32_range,
    check_input_shape,
    check_managed_params,
    check_net_params,
    check_not_skorch_input,
    check_sample_cost,
)
from .modules import MLP
from .penalty import align_penalty_matrix, zero_one_matrix

__all__ = [
    "CostSensitiveNetClassifier",
    "BilinearNetClassifier",
    "LogBilinearNetClassifier",
]

# skorch parameters that sklimb sets itself; they are not user parameters.
_MANAGED = {
    "criterion": L.CrossEntropyLoss,
    "iterator_train": BatchIterator,
    "iterator_valid": BatchIterator,
    "dataset": DeviceDataset,
    "train_split": None,
    "predict_nonlinearity": None,
}


def _resolve_device(device):
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class _ValidationAccuracy(Callback):
    """Record the accuracy on the hold-out set each epoch (``valid_acc``), for
    ``validation_scores_`` as :class:`~sklearn.neural_network.MLPClassifier`
    reports it."""

    # It only reads the net after the epoch: training steps may be captured.
    graph_safe = True

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        if not isinstance(dataset_valid, DeviceDataset) or not len(dataset_valid):
            return
        correct = 0
        for Xb, yb in BatchIterator(dataset_valid, net.batch_size):
            logits = net.evaluation_step((Xb, yb), training=False)
            if isinstance(logits, tuple):
                logits = logits[0]
            target = yb["target"] if isinstance(yb, dict) else yb
            correct += (logits.argmax(dim=-1) == target).sum()
        net.history.record("valid_acc", float(correct) / len(dataset_valid))


def _sorted_classes(classes):
    """``classes`` as a sorted array of unique labels (the order of
    ``classes_``), or a ValueError naming ``classes``."""
    arr = np.asarray(classes)
    found = np.unique(arr)
    if arr.ndim != 1 or len(found) != len(arr):
        raise ValueError(f"classes must list each label once, got {classes!r}.")
    return found


def _nbytes(array, itemsize):
    """Bytes a fit's tensor of ``array`` takes (CSR arrays for sparse ones)."""
    if array is None:
        return 0
    if hasattr(array, "nnz"):  # scipy sparse: values, column indices, row pointers
        return array.nnz * (itemsize + 8) + (array.shape[0] + 1) * 8
    return np.asarray(array).size * itemsize


def _converged(curve, tol, n_iter_no_change):
    """MLPClassifier's stopping rule on a loss curve: the last
    ``n_iter_no_change`` epochs all failed to improve the best loss by
    ``tol``."""
    best, misses = np.inf, 0
    for loss in curve:
        misses = misses + 1 if loss > best - tol else 0
        best = min(best, loss)
    return misses >= n_iter_no_change


class _HoldOut:
    """Stratified validation split of a :class:`DeviceDataset` (early stopping)."""

    def __init__(self, fraction, seed):
        self.fraction, self.seed = fraction, seed

    def __call__(self, dataset, y=None, **fit_params):
        y_np = dataset.y.cpu().numpy()
        idx = np.arange(len(dataset))
        counts = np.bincount(y_np)
        stratify = y_np if counts[counts > 0].min() >= 2 else None
        train, valid = train_test_split(
            idx, test_size=self.fraction, random_state=self.seed, stratify=stratify
        )
        return dataset.subset(np.sort(train)), dataset.subset(np.sort(valid))


class CostSensitiveNetClassifier(NeuralNetClassifier):
    """Neural-net classifier trained with a cost-sensitive or imbalance-aware loss.

    A skorch :class:`~skorch.NeuralNetClassifier` whose loss is a
    hyperparameter: ``loss``, ``penalty_matrix``, ``alpha``, ``class_weight``
    and the other loss parameters are top-level parameters that
    :class:`~sklearn.model_selection.GridSearchCV` can tune directly.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        The network; it must return logits. None builds an :class:`~sklimb.modules.MLP`
        with ``hidden_layer_sizes``. For a class, the constructor arguments
        ``n_features``, ``n_classes`` and ``input_shape`` it accepts are filled
        from the data unless given as ``module__*``.
    loss : str or callable, default="cross_entropy"
        One of ``"cross_entropy"``, ``"weighted_cross_entropy"`` (class
        weights ``class_weight``, "balanced" when that is None),
        ``"bilinear"``, ``"log_bilinear"``, ``"focal"``, ``"margin"``,
        ``"class_balanced"``, ``"class_balanced_focal"``, ``"ldam"``
        (see :mod:`sklimb.losses`), or a callable ``loss(logits, target)``
        returning a scalar tensor: a function, a :class:`torch.nn.Module`
        instance, or a module class (built with the ``criterion__*``
        parameters). A callable receives ``sample_weight`` / ``sample_cost``
        keyword arguments only when ``fit`` is given them.
    penalty_matrix : array-like, dict or DataFrame, default=None
        Cost ``A[i, j]`` of predicting class ``j`` when the truth is ``i``,
        for the bilinear losses and ``decision="min_risk"``. An array is in
        the order of ``classes_`` (sorted labels); a dict
        ``{(true, predicted): cost}`` or a DataFrame indexed by labels is
        aligned to ``classes_``. None means 1 off the diagonal.
        ``VotingClassifier``, ``StackingClassifier``, ``BaggingClassifier``
        and ``cross_val_predict(method="predict_proba")`` fit the net on labels
        re-encoded as ``0..K-1``: inside them, pass an array (re-encoding
        keeps the sorted order), not labels.
    alpha : float, default=0.5
        Weight in [0, 1] of the bilinear term: ``(1 - alpha) * CE + alpha * L``.
        Not an L2 penalty as in
        :class:`~sklearn.neural_network.MLPClassifier`; for weight decay use
        ``optimizer__weight_decay``.
    class_weight : {"balanced", "inverse_sqrt", "effective_number"}, dict, \
array-like or None, default=None
        Class weights multiplying each sample's loss (see
        :func:`sklimb.weights.compute_class_weight`).
    gamma : float, default=2.0
        Focusing parameter of the focal losses.
    beta : float, default=0.999
        Effective-number parameter of the class-balanced losses and of
        ``class_weight="effective_number"``.
    margin : float, default=0.9
        Threshold in (0.5, 1) of ``loss="margin"``.
    max_margin : float, default=0.5
        Largest LDAM margin.
    scale : float, default=1.0
        LDAM logit scale ``s``.
    decision : {"argmax", "min_risk"}, default="argmax"
        ``"min_risk"`` predicts the class of least expected cost
        ``argmin_j sum_i p(i|x) A[i, j]`` under ``penalty_matrix`` (the 0-1
        cost when it is None). Read by ``predict``, so it can be changed on
        a fitted net; the matrix is the one aligned at fit
        (``penalty_matrix_``).
    sampler : {"balanced", "sqrt"}, callable or None, default=None
        Draw each epoch's batches with class-balanced probabilities instead of
        a plain shuffle (see :func:`sklimb._iterator.sampling_probabilities`).
    hidden_layer_sizes : tuple of int, default=(100,)
        Hidden layers of the default MLP.
    input_shape : tuple of int, default=None
        Shape each flat row of ``X`` is reshaped to inside the net, e.g.
        ``(1, 28, 28)``, so that image data can stay 2-D for resamplers.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimizer; its other arguments are set with ``optimizer__*``, for
        instance ``optimizer__weight_decay``.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=50
        Number of passes over the training data (the most, with early
        stopping).
    batch_size : int, default=128
        ``-1`` uses the whole training set as one batch.
    early_stopping : bool or "train_loss", default=False
        True: hold out ``validation_fraction`` of the training data
        (stratified) and stop when the validation loss has not improved by
        ``tol`` for ``n_iter_no_change`` epochs, keeping the best epoch's
        weights. (:class:`~sklearn.neural_network.MLPClassifier` with
        ``early_stopping=True`` watches the validation accuracy instead; a
        cost-sensitive loss gives up accuracy on purpose, so sklimb watches
        its loss.) ``"train_loss"``: no hold-out; stop when the
        training loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs, as ``MLPClassifier`` does by default. False: train
        ``max_epochs`` epochs on all data.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement before early stopping stops training.
    tol : float, default=1e-4
        Smallest decrease of the monitored loss that counts as an
        improvement.
    callbacks : list of (name, skorch callback), default=None
        Extra skorch callbacks.
    warm_start : bool, default=False
        When True, ``fit`` continues from the current weights instead of
        re-initialising the network.
    device : str, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    cuda_graph : {"auto", True, False}, default="auto"
        On CUDA, record each training step (forward, loss, backward and
        optimiser step) once as a CUDA graph and replay it for every batch of
        the same size, which removes most of the launch overhead of small
        networks. ``"auto"`` captures when the optimiser (Adam, AdamW, SGD,
        ...) and the callbacks allow it and falls back to eager steps with a
        warning when a capture fails; ``True`` raises instead; ``False``
        always runs eager steps. Ignored on the CPU. Results equal eager
        training within float tolerance (dropout draws other random numbers).
        A loss callable runs in Python only when a step is captured: side
        effects in it (printing, recording batches) happen at capture time.
    precision : {"float32", "bfloat16"}, default="float32"
        ``"bfloat16"`` runs the module's forward pass under
        :func:`torch.autocast` with bfloat16 (the loss is computed in float32
        from the logits); on CUDA it needs a GPU that supports bfloat16.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout and shuffling; the same seed
        gives the same result on the same device.
    verbose : int, default=0
        Print one line per epoch when positive.
    progress_bar : bool, default=False
        Show a tqdm progress bar over epochs.
    criterion, train_split, classes, iterator_train, iterator_valid, dataset, \
predict_nonlinearity, compile, use_caching, torch_load_kwargs : object
        Parameters of skorch's ``NeuralNet``, listed for ``get_params``.
        sklimb sets ``criterion`` (built from ``loss``), ``train_split``
        (from ``early_stopping``), ``iterator_train``, ``iterator_valid`` and
        ``dataset`` (device-resident batches) and ``predict_nonlinearity``
        itself, and they must keep these values; the others have skorch's
        meaning and defaults.
    **kwargs
        Other skorch parameters (``module__*``, ``optimizer__*``, ...).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    class_counts_ : ndarray of shape (n_classes,)
        Training samples per class; with ``sample_weight``, the sum of the
        weights of each class's samples (what the class weights of
        ``class_weight``, the class-balanced and LDAM losses and
        ``sampler="balanced"`` are computed from). Counted by every ``fit``
        (a warm one too) and by the first ``partial_fit``; later
        ``partial_fit`` calls keep them.
    class_weight_ : ndarray of shape (n_classes,) or None
        The class weights the loss used.
    penalty_matrix_ : ndarray of shape (n_classes, n_classes) or None
        ``penalty_matrix`` aligned to ``classes_``.
    cuda_graph_ : int
        Number of batch sizes whose training steps ran as captured CUDA graphs
        in the last ``fit`` (0: eager steps only; see ``cuda_graph``).
    n_iter_ : int
        Epochs trained since the net was initialised (``fit`` starts again
        from 0; ``partial_fit`` and ``warm_start`` add to it).
    loss_curve_ : list of float
        Mean training loss of each of those epochs.
    best_loss_ : float or None
        Lowest value of ``loss_curve_``; None when ``early_stopping=True``
        (then see ``best_validation_score_``).
    validation_scores_ : list of float or None
        Accuracy on the held-out set after each epoch when
        ``early_stopping=True``, else None.
    best_validation_score_ : float or None
        Highest of ``validation_scores_``.
    t_ : int
        Training samples seen (summed over epochs).
    interrupted_ : bool
        True when the last ``fit`` or ``partial_fit`` was stopped by a
        ``KeyboardInterrupt`` (Ctrl-C) before its last epoch; the net keeps the
        weights trained so far and a ``UserWarning`` says so.
    module_, criterion_, optimizer_, history_
        As in skorch.

    See Also
    --------
    BilinearNetClassifier : The same estimator with ``loss="bilinear"``.
    LogBilinearNetClassifier : The same estimator with ``loss="log_bilinear"``.
    MinimumRiskClassifier : Minimum-risk decisions for any classifier.

    Notes
    -----
    Sample weights (``fit(X, y, sample_weight=...)``) multiply each sample's
    loss; each batch's loss is :math:`\\sum_i w_i \\ell_i / \\sum_i w_i`, with
    :math:`w_i` the product of class and sample weights. Rows of zero weight
    are dropped before training. With ``batch_size=-1`` an integer weight k
    equals repeating the row k times, class weights and class counts
    included.

    References
    ----------
    Resheff, Mandelbom, Weinshall. "Controlling imbalanced error in deep
    learning with the log bilinear loss", 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklimb import CostSensitiveNetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = CostSensitiveNetClassifier(loss="focal", max_epochs=5,
    ...                                  random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints = {
        "module": [None, type, torch.nn.Module],
        "loss": [StrOptions(set(LOSSES)), callable],
        "penalty_matrix": ["array-like", dict, None],
        "alpha": [Interval(numbers.Real, 0, 1, closed="both")],
        "class_weight": [
            StrOptions({"balanced", "inverse_sqrt", "effective_number"}),
            dict,
            "array-like",
            None,
        ],
        "gamma": [Interval(numbers.Real, 0, None, closed="left")],
        "beta": [Interval(numbers.Real, 0, 1, closed="left")],
        "margin": [Interval(numbers.Real, 0.5, 1, closed="neither")],
        "max_margin": [Interval(numbers.Real, 0, None, closed="neither")],
        "scale": [Interval(numbers.Real, 0, None, closed="neither")],
        "decision": [StrOptions({"argmax", "min_risk"})],
        "sampler": [StrOptions({"balanced", "sqrt"}), callable, None],
        "hidden_layer_sizes": [
            "array-like",
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "input_shape": ["array-like", None],
        "optimizer": [type],
        "lr": [Interval(numbers.Real, 0, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Options(numbers.Integral, {-1}),
        ],
        "early_stopping": ["boolean", StrOptions({"train_loss"})],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "cuda_graph": [StrOptions({"auto"}), "boolean"],
        "precision": [StrOptions({"float32", "bfloat16"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "progress_bar": ["boolean"],
        "compile": ["boolean"],
        "use_caching": [StrOptions({"auto"}), "boolean"],
        "torch_load_kwargs": [dict, None],
        "classes": ["array-like", None],
    }

    def __init__(
        self,
        module=None,
        *,
        loss="cross_entropy",
        penalty_matrix=None,
        alpha=0.5,
        class_weight=None,
        gamma=2.0,
        beta=0.999,
        margin=0.9,
        max_margin=0.5,
        scale=1.0,
        decision="argmax",
        sampler=None,
        hidden_layer_sizes=(100,),
        input_shape=None,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=50,
        batch_size=128,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        callbacks=None,
        warm_start=False,
        device="auto",
        cuda_graph="auto",
        precision="float32",
        random_state=None,
        verbose=0,
        progress_bar=False,
        **kwargs,
    ):
        self.loss = loss
        self.penalty_matrix = penalty_matrix
        self.alpha = alpha
        self.class_weight = class_weight
        self.gamma = gamma
        self.beta = beta
        self.margin = margin
        self.max_margin = max_margin
        self.scale = scale
        self.decision = decision
        self.sampler = sampler
        self.hidden_layer_sizes = hidden_layer_sizes
        self.input_shape = input_shape
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.progress_bar = progress_bar
        self.cuda_graph = cuda_graph
        self.precision = precision
        for key, value in _MANAGED.items():
            kwargs.setdefault(key, value)
        super().__init__(
            module,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )

    def __setattr__(self, name, value):
        # skorch registers any torch module set on the net as a component and
        # refuses it outside initialize(); ``loss`` may be an nn.Module instance
        # and is a plain hyperparameter, also for set_params.
        if name == "loss":
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    # ------------------------------------------------------------------
    # scikit-learn parameter protocol
    # ------------------------------------------------------------------
    @classmethod
    def _init_param_names(cls):
        names = []
        for klass in cls.__mro__:
            if klass is NeuralNetClassifier:
                break
            for name, p in inspect.signature(klass.__init__).parameters.items():
                if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                    if name not in names:
                        names.append(name)
        return names

    def _get_param_names(self):
        # The constructor's own parameters, skorch's (see
        # sklimb._skorch_compat) and the routed ``prefix__key`` parameters;
        # never skorch's internal state.
        names = self._init_param_names()
        names += [n for n in skorch_param_names() if n not in names]
        extra = [k for k in self.__dict__ if "__" in k and not k.endswith("_")]
        return sorted(names + extra)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        # Sparse X stays sparse on the device; batches are densified one at a
        # time (sklimb._iterator.SparseRows).
        tags.input_tags.sparse = True
        return tags

    def __sklearn_is_fitted__(self):
        return bool(self.initialized_) and hasattr(self, "n_features_in_")

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _dataset(self, X, y=None, sample_weight=None, sample_cost=None):
        """Tensors on the device, or in pinned host memory when they would not
        fit there (batches are then streamed; see sklimb._iterator)."""
        arrays = (X, y, sample_weight, sample_cost)
        dtypes = (torch.float32, torch.long, torch.float32, torch.float32)
        nbytes = sum(
            _nbytes(a, 8 if t is torch.long else 4)
            for a, t in zip(arrays, dtypes, strict=True)
        )
        storage = storage_device(nbytes, self.device)
        tensors = [
            to_storage(a, t, storage, self.device)
            for a, t in zip(arrays, dtypes, strict=True)
        ]
        return DeviceDataset(*tensors, device=self.device)

    def _validate_X(self, X):
        check_not_skorch_input(X)
        X = validate_data(
            self, X, reset=False, dtype=(np.float32, np.float64), accept_sparse="csr"
        )
        check_input_shape(self.input_shape, X.shape[1])
        check_float32_range(X)
        return X

    def _training_dataset(
        self, X, y, sample_weight, sample_cost, classes, reset, count=False
    ):
        check_not_skorch_input(X)
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=(np.float32, np.float64),
            accept_sparse="csr",
        )
        check_input_shape(self.input_shape, X.shape[1])
        check_float32_range(X)
        check_classification_targets(y)
        if reset:
            if classes is None:
                classes = self.classes
            elif self.classes is not None and not np.array_equal(
                _sorted_classes(classes), _sorted_classes(self.classes)
            ):
                raise ValueError(
                    f"partial_fit(classes={list(classes)!r}) differs from the "
                    f"classes parameter {list(self.classes)!r}; give the labels once."
                )
            found = np.unique(y) if classes is None else _sorted_classes(classes)
            if len(found) < 2:
                raise ValueError(
                    "Classifier can't train when only one class is present."
                )
            self.classes_inferred_ = found
        elif classes is not None and not np.array_equal(
            _sorted_classes(classes), self.classes_
        ):
            # As scikit-learn's partial_fit: the labels are fixed by the first
            # call; silently keeping the old ones would drop the new label.
            raise ValueError(
                f"partial_fit(classes={list(classes)!r}) is not the same as on the "
                f"first call, was {list(self.classes_)!r}. Refit with fit (or "
                "partial_fit on an unfitted clone) to change the classes."
            )
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y contains labels unknown to the classifier: {unknown}.")
        y = np.searchsorted(self.classes_, y)
        sw = check_fit_sample_weight(sample_weight, len(y))
        sc = check_sample_cost(sample_cost, len(y), self.classes_, self.loss)
        if sw is not None:
            # Zero-weight rows contribute nothing: drop them (scikit-learn's
            # convention), and skip the weighting when all that is left is ones.
            keep = sw > 0
            X, y, sw = X[keep], y[keep], sw[keep]
            sc = None if sc is None else sc[keep]
            sw = None if np.all(sw == 1) else sw
        if reset or count:
            # Weighted counts: a row of integer weight k counts as k rows, as
            # for scikit-learn's class_weight="balanced" with sample weights.
            self.class_counts_ = np.bincount(
                y, weights=sw, minlength=len(self.classes_)
            )
        return self._dataset(X, y, sw, sc)

    # ------------------------------------------------------------------
    # skorch hooks
    # ------------------------------------------------------------------
    @property
    def _default_callbacks(self):
        cbs = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", EpochLoss(name="train_loss", on_train=True)),
            ("valid_loss", EpochLoss(name="valid_loss")),
            ("finite_loss", FiniteLossGuard()),
        ]
        if self._holds_out:
            cbs.append(("valid_acc", _ValidationAccuracy()))
        if self.early_stopping:
            cbs.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss" if self._holds_out else "train_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=self._holds_out,
                    ),
                )
            )
        if self.progress_bar:
            cbs.append(("progress_bar", EpochProgressBar()))
        if self.verbose:
            # PrintLog formats a table every epoch even when it prints nothing.
            cbs.append(("print_log", PrintLog()))
        return cbs

    def _callback_settings(self):
        """The parameters the default callbacks are built from."""
        return (
            self.early_stopping,
            self.n_iter_no_change,
            self.tol,
            self.progress_bar,
            self.verbose,
        )

    def initialize_callbacks(self):
        super().initialize_callbacks()
        self._callbacks_built_for = self._callback_settings()
        return self

    @property
    def _holds_out(self):
        """Whether early stopping holds out a validation set."""
        return not isinstance(self.early_stopping, str) and bool(self.early_stopping)

    def check_data(self, X, y):
        # Data are validated in fit, before skorch sees them.
        pass

    def _module_kwargs(self):
        kwargs = self.get_params_for("module")
        module = self.module
        if module is None:
            sizes = self.hidden_layer_sizes
            # An int is one hidden layer, as in MLPClassifier.
            sizes = (sizes,) if isinstance(sizes, numbers.Integral) else sizes
            kwargs.setdefault("hidden_layer_sizes", tuple(sizes))
            return MLP, self._fill_data_kwargs(MLP, kwargs)
        if isinstance(module, type):
            return module, self._fill_data_kwargs(module, kwargs)
        return module, kwargs

    def _fill_data_kwargs(self, cls, kwargs):
        params = inspect.signature(cls.__init__).parameters
        known = {
            "n_features": self.n_features_in_,
            "n_classes": len(self.classes_),
        }
        if self.input_shape is not None:
            known["input_shape"] = tuple(self.input_shape)
        for key, value in known.items():
            if key in params:
                kwargs.setdefault(key, value)
        return kwargs

    def initialize_module(self):
        module, kwargs = self._module_kwargs()
        self.module_ = self.initialized_instance(module, kwargs)
        return self

    def initialize_criterion(self):
        self.criterion_ = self._build_criterion()
        return self

    def _build_criterion(self):
        criterion, self.class_weight_ = build_criterion(
            self.loss,
            {name: getattr(self, name) for name in LOSS_PARAMETERS},
            classes=self.classes_,
            class_counts=self.class_counts_,
            penalty_matrix=self.penalty_matrix_,
            criterion_params=self.get_params_for("criterion"),
        )
        return criterion

    @property
    def classes_(self):
        """The class labels, sorted (from ``classes`` or from the data)."""
        if self.classes is not None:
            return _sorted_classes(self.classes)
        return self.classes_inferred_

    def initialize(self):
        """Build the module, criterion and optimizer without training.

        Before any fit (skorch's restore recipe ``net.initialize();
        net.load_params(f_params=...)``) the net needs the labels and the
        input size: give ``classes`` (the ``classes_`` of the saved net) and
        ``module__n_features`` (or ``input_shape``).

        Returns
        -------
        self : object
        """
        check_device(self.device)
        if not hasattr(self, "n_features_in_"):
            self._data_info_from_params()
        with self._resolved_device():
            return super().initialize()

    def _data_info_from_params(self):
        n_features = self.get_params_for("module").get("n_features")
        if n_features is None and self.input_shape is not None:
            n_features = int(np.prod(self.input_shape))
        missing = []
        if self.classes is None:
            missing.append("classes=<the saved net's classes_>")
        if n_features is None:
            missing.append("module__n_features=<number of features> (or input_shape)")
        if missing:
            raise ValueError(
                "initialize() before fit needs the labels and the input size to "
                f"build the network: pass {' and '.join(missing)}, e.g. to restore "
                "a net saved with save_params."
            )
        classes = _sorted_classes(self.classes)
        self.n_features_in_ = int(n_features)
        self.classes_inferred_ = classes
        # Class counts are unknown here; losses that read them (LDAM, the
        # class-balanced ones, class_weight rules) get uniform counts unless
        # the criterion is restored too (load_params(f_criterion=...)).
        self.class_counts_ = np.ones(len(classes), dtype=int)
        self.penalty_matrix_ = self._aligned_penalty_matrix()

    def save_params(self, *args, **kwargs):
        """skorch's ``save_params``, also with ``device="auto"``."""
        with self._resolved_device():
            return super().save_params(*args, **kwargs)

    def load_params(self, *args, **kwargs):
        """skorch's ``load_params``, also with ``device="auto"`` and after an
        :meth:`initialize` before any fit."""
        with self._resolved_device():
            return super().load_params(*args, **kwargs)

    def infer(self, x, **fit_params):
        if self.precision != "bfloat16" and isinstance(x, torch.Tensor):
            # skorch's infer for a tensor: ``to_tensor`` is ``x.to(device)``,
            # then the module; done here without its type dispatch, which
            # costs as much as the loss on a small net (benchmarks/README.md).
            x = x.to(self.device)
            if self.input_shape is not None:
                x = x.reshape(-1, *self.input_shape)
            return self.module_(x, **fit_params)
        if self.input_shape is not None and not isinstance(x, dict):
            x = x.reshape(-1, *self.input_shape)
        if self.precision != "bfloat16":
            return super().infer(x, **fit_params)
        device_type = torch.device(self.device).type
        with torch.autocast(device_type, dtype=torch.bfloat16, cache_enabled=False):
            out = super().infer(x, **fit_params)
        if isinstance(out, tuple):
            return (out[0].float(), *out[1:])
        return out.float()

    def initialize_optimizer(self, *args, **kwargs):
        super().initialize_optimizer(*args, **kwargs)
        if self.cuda_graph is not False and not capture_blockers(self):
            # Optimiser state on the device, so that step() can be captured.
            make_optimizer_capturable(self)
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self._captured_step = None
        self._lean_step = lean_step_allowed(self)
        if (
            self.precision == "bfloat16"
            and str(self.device).startswith("cuda")
            and not torch.cuda.is_bf16_supported()
        ):
            raise ValueError(
                "precision='bfloat16' needs a GPU that supports bfloat16; "
                f"{torch.cuda.get_device_name()} does not. Use precision='float32'."
            )
        if self.cuda_graph is False:
            return
        blockers = capture_blockers(self)
        if not blockers:
            self._captured_step = captured_train_step(
                self, required=self.cuda_graph is True
            )
        elif self.cuda_graph is True and str(self.device).startswith("cuda"):
            raise ValueError(
                "cuda_graph=True, but the training step cannot be captured: "
                + "; ".join(blockers)
                + ". Use cuda_graph='auto' to fall back to eager steps."
            )

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        captured = getattr(self, "_captured_step", None)
        self.cuda_graph_ = 0 if captured is None else captured.n_graphs
        # The graphs hold their own device memory: free it with the fit.
        self._captured_step = None

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # Batch losses stay on the device until the epoch ends, unless a
        # callback acts on single batches (see sklimb._training).
        if acts_per_batch(self):
            return super().run_single_epoch(
                iterator, training, prefix, step_fn, **fit_params
            )
        return run_epoch(self, iterator, training, prefix, step_fn, **fit_params)

    def train_step(self, batch, **fit_params):
        captured = getattr(self, "_captured_step", None)
        if captured is not None:
            return captured(batch, **fit_params)
        return self._eager_train_step(batch, **fit_params)

    def _eager_train_step(self, batch, **fit_params):
        # skorch's step wraps every batch in an optimizer closure and a step
        # accumulator, and notifies on_grad_computed with a generator over the
        # parameters; skorch documents overriding train_step for finer control.
        # Optimizers that re-evaluate the loss (LBFGS) keep skorch's path.
        if getattr(self, "_lean_step", False):
            return lean_train_step(self, batch, **fit_params)
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        if any(isinstance(opt, torch.optim.LBFGS) for opt in optimizers):
            return super().train_step(batch, **fit_params)
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        if self._grad_hooks:
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
                training=True,  # as skorch's train_step passes it
            )
        for opt in optimizers:
            opt.step()
        return step

    @property
    def _grad_hooks(self):
        """Whether the net or a callback does something in on_grad_computed."""
        return grad_hooks_in_use(self)

    def _set_training(self, training=True):
        # skorch calls this for every batch and .train() walks every
        # submodule; switch only modules whose mode differs.
        set_training_modes(self, training)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, dict):
            extra = {k: v for k, v in y_true.items() if k != "target"}
            return self.criterion_(y_pred, y_true["target"], **extra)
        return self.criterion_(y_pred, y_true)

    def get_dataset(self, X, y=None):
        if isinstance(X, DeviceDataset):
            return X
        if (
            self.dataset is DeviceDataset
            and y is None
            and not torch.is_tensor(X)
            and self.__sklearn_is_fitted__()
        ):
            # skorch's forward / forward_iter given arrays: the validated rows
            # predict reads (DeviceDataset itself takes tensors only).
            return self._dataset(self._validate_X(X))
        return super().get_dataset(X, y)

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset = self.get_dataset(X, y)
        if not (self._holds_out and isinstance(dataset, DeviceDataset)):
            return super().get_split_datasets(X, y, **fit_params)
        seed = None if self._fit_seed is None else self._fit_seed + 1
        return _HoldOut(self.validation_fraction, seed)(dataset)

    def get_iterator(self, dataset, training=False):
        if not isinstance(dataset, DeviceDataset):
            return super().get_iterator(dataset, training=training)
        if not training:
            return BatchIterator(dataset, self.batch_size)
        class_proba = None
        if self.sampler is not None:
            class_proba = sampling_probabilities(self.sampler, self.class_counts_)
        return BatchIterator(
            dataset,
            self.batch_size,
            shuffle=True,
            generator=self._shuffle_generator,
            class_proba=class_proba,
        )

    # ------------------------------------------------------------------
    # device and randomness
    # ------------------------------------------------------------------
    @contextmanager
    def _resolved_device(self):
        requested = self.device
        resolved = _resolve_device(requested)
        if resolved == requested:
            yield
            return
        self.device = resolved
        try:
            yield
        finally:
            self.device = requested

    @contextmanager
    def _seeded(self):
        # One seed per fit, drawn once from random_state: it seeds the weights,
        # dropout, the shuffling generator and (plus one) the validation split.
        if self.random_state is None:
            self._fit_seed = self._shuffle_generator = None
            yield
            return
        seed = self._fit_seed = int(
            check_random_state(self.random_state).randint(2**31 - 1)
        )
        self._shuffle_generator = torch.Generator().manual_seed(seed)
        # One seeded fit at a time per process: torch's global generators are
        # shared by threads (see sklimb/_rng.py).
        with seeded_global_rng(seed, self.device):
            yield

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_shuffle_generator", None)
        state.pop("_captured_step", None)
        return state

    def __setstate__(self, state):
        requested = state["device"]
        state["device"] = _resolve_device(requested)
        super().__setstate__(state)
        # skorch maps a CUDA net to the CPU when CUDA is missing and sets
        # device="cpu"; only "auto" is restored as the user wrote it.
        if torch.device(self.device).type != "cuda" and self.initialized_:
            # Its optimiser was made capturable for CUDA graphs; on the CPU
            # PyTorch refuses that, and partial_fit would fail.
            make_optimizer_capturable(self, False)
        if requested == "auto":
            self.device = requested

    # ------------------------------------------------------------------
    # repr: the parameters set by the user, as scikit-learn shows them
    # ------------------------------------------------------------------
    # skorch's repr lists the initialised modules; scikit-learn's lists the
    # parameters that differ from the constructor's defaults, which
    # _declare_signature makes known for skorch's parameters too.
    __repr__ = BaseEstimator.__repr__

    def _get_params_html(self, deep=True, **kwargs):
        # The HTML parameter table (scikit-learn >= 1.7) without skorch's
        # callbacks__* parameters.
        return super()._get_params_html(deep=False, **kwargs)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _declare_signature(cls)

    # ------------------------------------------------------------------
    # public API
    # ------------------------------------------------------------------
    def _fit(
        self, X, y, sample_weight, sample_cost, classes, fit_params, reset, method
    ):
        validate_constraints(self)
        check_managed_params(self, _MANAGED)
        check_net_params(self)
        check_device(self.device)
        with self._resolved_device():
            try:
                # Every fit counts the classes (a warm one too); a later
                # partial_fit keeps the first call's counts.
                dataset = self._training_dataset(
                    X, y, sample_weight, sample_cost, classes, reset, method == "fit"
                )
                self.penalty_matrix_ = self._aligned_penalty_matrix()
            except BaseException:
                if reset:
                    self._mark_unfitted()
                raise
            epochs_before = 0 if reset else len(self.history)
            try:
                with self._seeded():
                    if reset:
                        super().initialize()
                    else:  # loss parameters may have changed since
                        reinitialize_criterion(self)
                        if self._callbacks_built_for != self._callback_settings():
                            # early_stopping, verbose, ... changed since: the
                            # default callbacks must follow them.
                            self.initialize_callbacks()
                    # skorch's partial_fit would hide a KeyboardInterrupt.
                    interrupted = fit_loop_reporting_interrupt(
                        self, dataset, None, routing_method=method, **fit_params
                    )
            except BaseException:
                # A fit that raised (a non-finite loss, a bad callable, ...)
                # leaves weights that must not be used for predictions.
                self._mark_unfitted()
                raise
        return self._end_fit(interrupted, epochs_before)

    def _end_fit(self, interrupted, epochs_before):
        # What a fit records and reports once its epochs are over; also called
        # by sklimb._batched for nets trained together.
        self.interrupted_ = interrupted
        self._set_training_record()
        epochs_run = self.n_iter_ - epochs_before
        if (
            not interrupted
            and epochs_run >= self.max_epochs
            and not _converged(self.loss_curve_, self.tol, self.n_iter_no_change)
        ):
            warnings.warn(
                f"Stochastic optimizer: maximum epochs ({self.max_epochs}) reached "
                "and the training loss is still falling by more than tol "
                f"({self.tol}). Raise max_epochs, or stop on the training loss "
                "with early_stopping='train_loss'.",
                ConvergenceWarning,
                stacklevel=4,
            )
        if interrupted:
            done = self.n_iter_ - epochs_before
            warnings.warn(
                f"Training interrupted after {done} of {self.max_epochs} epochs "
                "(KeyboardInterrupt); the net holds the weights of the epochs "
                "run (interrupted_=True).",
                UserWarning,
                stacklevel=4,
            )
        return self

    def _set_training_record(self):
        # MLPClassifier's attributes, read from skorch's history.
        rows = [row for row in self.history if "train_loss" in row]
        self.n_iter_ = len(rows)
        self.loss_curve_ = [float(row["train_loss"]) for row in rows]
        self.t_ = int(
            sum(b.get("train_batch_size", 0) for row in rows for b in row["batches"])
        )
        if self._holds_out:
            self.best_loss_ = None
            self.validation_scores_ = [
                float(row["valid_acc"]) for row in rows if "valid_acc" in row
            ]
            self.best_validation_score_ = max(self.validation_scores_, default=None)
        else:
            self.best_loss_ = min(self.loss_curve_, default=None)
            self.validation_scores_ = self.best_validation_score_ = None

    def _mark_unfitted(self):
        # skorch's initialized_ flag is what __sklearn_is_fitted__ reads; the
        # next fit or partial_fit initialises the net again.
        self.initialized_ = False

    def _aligned_penalty_matrix(self):
        needs = self.loss in COST_LOSSES or self.decision == "min_risk"
        if self.penalty_matrix is None:
            return zero_one_matrix(len(self.classes_)) if needs else None
        return align_penalty_matrix(self.penalty_matrix, self.classes_)

    def fit(self, X, y, sample_weight=None, sample_cost=None, **fit_params):
        """Train the network from scratch (or further, with ``warm_start``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numbers of any float or int dtype; image data flattened to 2-D
            (see ``input_shape``).
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights multiplying each sample's loss.
        sample_cost : array-like of shape (n_samples, n_classes), default=None
            Per-sample cost of predicting each class (columns in the order
            of ``classes_``; a DataFrame's columns are matched to the class
            labels), used by the bilinear losses in place of the row
            ``penalty_matrix[y]``.
        **fit_params
            Passed to the module's ``forward``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        reset = not (self.warm_start and self.__sklearn_is_fitted__())
        return self._fit(
            X, y, sample_weight, sample_cost, None, fit_params, reset, "fit"
        )

    def partial_fit(
        self, X, y, classes=None, sample_weight=None, sample_cost=None, **fit_params
    ):
        """Train for ``max_epochs`` more epochs without re-initialising.

        Each call trains ``max_epochs`` epochs (``MLPClassifier.partial_fit``
        trains one): set ``max_epochs=1`` for one epoch per call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, as in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All the labels, needed on the first call when ``y`` may lack
            some of them.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights multiplying each sample's loss.
        sample_cost : array-like of shape (n_samples, n_classes), default=None
            Per-sample cost of predicting each class, as in :meth:`fit`.
        **fit_params
            Passed to the module's ``forward``.

        Returns
        -------
        self : object
            The estimator, trained further.
        """
        reset = not self.__sklearn_is_fitted__()
        return self._fit(
            X, y, sample_weight, sample_cost, classes, fit_params, reset, "partial_fit"
        )

    def forward(self, X, training=False, device="cpu"):
        with self._resolved_device():
            return super().forward(X, training=training, device=device)

    def _logits(self, X):
        check_is_fitted(self)
        check_device(self.device)  # it may have been set since fit
        with self._resolved_device():
            dataset = self._dataset(self._validate_X(X))
            logits = super().forward(dataset, training=False, device="cpu")
        if isinstance(logits, tuple):
            logits = logits[0]
        if not bool(torch.isfinite(logits).all()):
            # Diverged weights (finite, but large enough to overflow the
            # forward pass) would give NaN probabilities without a word.
            raise FloatingPointError(
                "The network's outputs are NaN or infinite for some rows of X: "
                "its weights diverged in training (lower lr and refit), or X "
                "holds extreme values."
            )
        return logits.to(torch.float64)

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), rows summing to 1.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64
            Probability of each class, in the order of ``classes_``.
        """
        return torch.softmax(self._logits(X), dim=-1).numpy()

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed from the logits.

        ``log_softmax`` of the logits: finite where ``predict_proba`` rounds
        to 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), float64
            Log-probability of each class, in the order of ``classes_``.
        """
        return torch.log_softmax(self._logits(X), dim=-1).numpy()

    def predict(self, X):
        """Predict class labels.

        The most probable class, or with ``decision="min_risk"`` the class
        of least expected cost under ``penalty_matrix_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, of the type of the training labels.
        """
        proba = self.predict_proba(X)
        if self.decision == "min_risk":
            A = self.penalty_matrix_
            if A is None:  # fitted without a penalty matrix: the 0-1 cost
                A = zero_one_matrix(len(self.classes_))
            idx = np.argmin(proba @ A, axis=1)
        else:
            idx = np.argmax(proba, axis=1)
        return self.classes_[idx]


def _declare_signature(cls):
    """Give ``cls.__init__`` a signature listing skorch's parameters too.

    The constructors take skorch's parameters (``compile``, ``train_split``,
    ...) through ``**kwargs``; scikit-learn reads a parameter's default from
    the signature (for the repr, ``print_changed_only`` and the HTML
    parameter table), and would show every skorch parameter as set by the
    user. The declared signature adds them, keyword-only, with the values
    sklimb gives them (``_MANAGED``) or skorch's defaults; ``**kwargs`` stays
    for the routed ``module__*``-style parameters.
    """
    own = vars(cls).get("__init__")
    if own is None:
        return
    params, seen = [], set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None:
            continue
        for name, p in inspect.signature(init).parameters.items():
            if name in seen or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            seen.add(name)
            default = _MANAGED.get(name, p.default)
            kind = p.kind if name in ("self", "module") else p.KEYWORD_ONLY
            params.append(p.replace(kind=kind, default=default))
        if klass is NeuralNet:
            break
    var_kw = inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)
    own.__signature__ = inspect.Signature([*params, var_kw])


_declare_signature(CostSensitiveNetClassifier)


class BilinearNetClassifier(CostSensitiveNetClassifier):
    """:class:`CostSensitiveNetClassifier` with the bilinear loss by default.

    Trains with :math:`(1 - \\alpha)\\,\\mathrm{CE} + \\alpha\\, y^T A \\hat y`
    (:func:`sklimb.losses.bilinear_loss`). All parameters are those of
    :class:`CostSensitiveNetClassifier`.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklimb import BilinearNetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> A = {(0, 1): 5.0, (2, 1): 1.0}
    >>> clf = BilinearNetClassifier(penalty_matrix=A, alpha=0.9, max_epochs=3,
    ...                             random_state=0).fit(X, y)
    >>> clf.penalty_matrix_.shape
    (3, 3)
    """

    def __init__(self, module=None, *, loss="bilinear", **kwargs):
        super().__init__(module, loss=loss, **kwargs)


class LogBilinearNetClassifier(CostSensitiveNetClassifier):
    """:class:`CostSensitiveNetClassifier` with the log-bilinear loss by default.

    Trains with :math:`(1 - \\alpha)\\,\\mathrm{CE} - \\alpha\\, y^T A
    \\log(1 - \\hat y)` (:func:`sklimb.losses.log_bilinear_loss`).
    """

    def __init__(self, module=None, *, loss="log_bilinear", **kwargs):
        super().__init__(module, loss=loss, **kwargs)
