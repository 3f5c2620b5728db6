"""Cost-sensitive neural-net classifiers on skorch."""

import inspect
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
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
    PassthroughScoring,
    PrintLog,
)
from skorch.utils import TeeGenerator

from . import losses as L
from ._iterator import BatchIterator, DeviceDataset, sampling_probabilities
from ._monitoring import EpochProgressBar, FiniteLossGuard
from ._validation import (
    CLASS_BALANCED_LOSSES,
    COST_LOSSES,
    check_fit_sample_weight,
    check_input_shape,
    check_net_params,
    check_sample_cost,
)
from .modules import MLP
from .penalty import align_penalty_matrix, zero_one_matrix
from .weights import compute_class_weight

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


class _CallableLoss(torch.nn.Module):
    """Wrap a user's ``loss(logits, target, **kw) -> scalar`` as a criterion."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        params = inspect.signature(fn).parameters
        self.accepts = {k for k in ("sample_weight", "sample_cost") if k in params}

    def forward(self, logits, target, **kwargs):
        unknown = set(kwargs) - self.accepts
        if unknown:
            raise TypeError(
                f"the loss callable {self.fn!r} does not accept "
                f"{', '.join(sorted(unknown))}; add it to its signature."
            )
        return self.fn(logits, target, **kwargs)


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
    alpha : float, default=0.5
        Weight in [0, 1] of the bilinear term: ``(1 - alpha) * CE + alpha * L``.
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
        ``argmin_j sum_i p(i|x) A[i, j]`` under ``penalty_matrix``.
    sampler : {"balanced", "sqrt"}, callable or None, default=None
        Draw each epoch's batches with class-balanced probabilities instead of
        a plain shuffle (see :func:`sklimb._iterator.sampling_probabilities`).
    hidden_layer_sizes : tuple of int, default=(100,)
        Hidden layers of the default MLP.
    input_shape : tuple of int, default=None
        Shape each flat row of ``X`` is reshaped to inside the net, e.g.
        ``(1, 28, 28)``, so that image data can stay 2-D for resamplers.
    optimizer : torch optimizer class, default=torch.optim.Adam
    lr : float, default=1e-3
    max_epochs : int, default=50
    batch_size : int, default=128
        ``-1`` uses the whole training set as one batch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified) and
        stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, keeping the best epoch's weights, as
        :class:`~sklearn.neural_network.MLPClassifier` does. Without it, all
        data is used for training.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    callbacks : list of (name, skorch callback), default=None
        Extra skorch callbacks.
    warm_start : bool, default=False
    device : str, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout and shuffling; the same seed
        gives the same result on the same device.
    verbose : int, default=0
        Print one line per epoch when positive.
    progress_bar : bool, default=False
        Show a tqdm progress bar over epochs.
    **kwargs
        Other skorch parameters (``module__*``, ``optimizer__*``, ...).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    class_counts_ : ndarray of shape (n_classes,)
        Training samples per class.
    class_weight_ : ndarray of shape (n_classes,) or None
        The class weights the loss used.
    penalty_matrix_ : ndarray of shape (n_classes, n_classes) or None
        ``penalty_matrix`` aligned to ``classes_``.
    module_, criterion_, optimizer_, history_
        As in skorch.

    See Also
    --------
    BilinearNetClassifier, LogBilinearNetClassifier

    Notes
    -----
    Sample weights (``fit(X, y, sample_weight=...)``) multiply each sample's
    loss; each batch's loss is :math:`\\sum_i w_i \\ell_i / \\sum_i w_i`, with
    :math:`w_i` the product of class and sample weights. Rows of zero weight
    are dropped before training. With ``batch_size=-1`` an integer weight k
    equals repeating the row k times.

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
        # The constructor's own parameters plus skorch's routed ``prefix__key``
        # parameters; never skorch's internal state or the managed parameters.
        extra = [k for k in self.__dict__ if "__" in k and not k.endswith("_")]
        return sorted(self._init_param_names() + extra)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    def __sklearn_is_fitted__(self):
        return bool(self.initialized_) and hasattr(self, "n_features_in_")

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _to_tensor(self, a, dtype=torch.float32):
        if a is None:
            return None
        return torch.as_tensor(np.asarray(a), dtype=dtype, device=self.device).clone()

    def _validate_X(self, X):
        X = validate_data(self, X, reset=False, dtype=(np.float32, np.float64))
        check_input_shape(self.input_shape, X.shape[1])
        return self._to_tensor(X)

    def _training_dataset(self, X, y, sample_weight, sample_cost, classes, reset):
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float32, np.float64))
        check_input_shape(self.input_shape, X.shape[1])
        check_classification_targets(y)
        if reset:
            found = np.unique(y) if classes is None else np.unique(classes)
            if len(found) < 2:
                raise ValueError(
                    "Classifier can't train when only one class is present."
                )
            self.classes_inferred_ = found
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y contains labels unknown to the classifier: {unknown}.")
        y = np.searchsorted(self.classes_, y)
        sw = check_fit_sample_weight(sample_weight, len(y))
        sc = check_sample_cost(sample_cost, len(y), len(self.classes_), self.loss)
        if sw is not None:
            # Zero-weight rows contribute nothing: drop them (scikit-learn's
            # convention), and skip the weighting when all that is left is ones.
            keep = sw > 0
            X, y, sw = X[keep], y[keep], sw[keep]
            sc = None if sc is None else sc[keep]
            sw = None if np.all(sw == 1) else sw
        if reset:
            self.class_counts_ = np.bincount(y, minlength=len(self.classes_))
        return DeviceDataset(
            self._to_tensor(X),
            self._to_tensor(y, torch.long),
            self._to_tensor(sw),
            self._to_tensor(sc),
        )

    # ------------------------------------------------------------------
    # skorch hooks
    # ------------------------------------------------------------------
    @property
    def _default_callbacks(self):
        cbs = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("finite_loss", FiniteLossGuard()),
        ]
        if self.early_stopping:
            cbs.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                    ),
                )
            )
        if self.progress_bar:
            cbs.append(("progress_bar", EpochProgressBar()))
        if self.verbose:
            # PrintLog formats a table every epoch even when it prints nothing.
            cbs.append(("print_log", PrintLog()))
        return cbs

    def check_data(self, X, y):
        # Data are validated in fit, before skorch sees them.
        pass

    def _module_kwargs(self):
        kwargs = self.get_params_for("module")
        module = self.module
        if module is None:
            kwargs.setdefault("hidden_layer_sizes", self.hidden_layer_sizes)
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
        loss = self.loss
        if callable(loss):
            if isinstance(loss, torch.nn.Module):
                return loss
            if isinstance(loss, type) and issubclass(loss, torch.nn.Module):
                return loss(**self.get_params_for("criterion"))
            return _CallableLoss(loss)
        counts = self.class_counts_
        if loss in CLASS_BALANCED_LOSSES:
            self.class_weight_ = None
            base = "focal" if loss == "class_balanced_focal" else "cross_entropy"
            return L.ClassBalancedLoss(
                counts, beta=self.beta, base=base, gamma=self.gamma
            )
        class_weight = self.class_weight
        if loss == "weighted_cross_entropy" and class_weight is None:
            class_weight = "balanced"
        weight = None
        if class_weight is not None:
            weight = compute_class_weight(
                class_weight, classes=self.classes_, class_counts=counts, beta=self.beta
            )
        self.class_weight_ = weight
        if loss in ("cross_entropy", "weighted_cross_entropy"):
            return L.CrossEntropyLoss(weight=weight)
        if loss in COST_LOSSES:
            cls = L.BilinearLoss if loss == "bilinear" else L.LogBilinearLoss
            return cls(self.penalty_matrix_, alpha=self.alpha, weight=weight)
        if loss == "focal":
            return L.FocalLoss(gamma=self.gamma, weight=weight)
        if loss == "margin":
            return L.MarginCrossEntropyLoss(margin=self.margin, weight=weight)
        return L.LDAMLoss(
            counts, max_margin=self.max_margin, scale=self.scale, weight=weight
        )

    def initialize(self):
        with self._resolved_device():
            return super().initialize()

    def infer(self, x, **fit_params):
        if self.input_shape is not None and not isinstance(x, dict):
            x = x.reshape(-1, *self.input_shape)
        return super().infer(x, **fit_params)

    def train_step(self, batch, **fit_params):
        # skorch's step wraps every batch in an optimizer closure and a step
        # accumulator, and notifies on_grad_computed with a generator over the
        # parameters; skorch documents overriding train_step for finer control.
        # Optimizers that re-evaluate the loss (LBFGS) keep skorch's path.
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
            )
        for opt in optimizers:
            opt.step()
        return step

    @property
    def _grad_hooks(self):
        """Whether the net or a callback does something in on_grad_computed."""
        overridden = [type(self).on_grad_computed is not NeuralNet.on_grad_computed]
        overridden += [
            type(cb).on_grad_computed is not Callback.on_grad_computed
            for _, cb in self.callbacks_
        ]
        return any(overridden)

    def _set_training(self, training=True):
        # skorch calls this for every batch and .train() walks every
        # submodule; switch only modules whose mode differs.
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, dict):
            extra = {k: v for k, v in y_true.items() if k != "target"}
            return self.criterion_(y_pred, y_true["target"], **extra)
        return self.criterion_(y_pred, y_true)

    def get_dataset(self, X, y=None):
        if isinstance(X, DeviceDataset):
            return X
        return super().get_dataset(X, y)

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset = self.get_dataset(X, y)
        if not (self.early_stopping and isinstance(dataset, DeviceDataset)):
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
        devices = (
            [torch.cuda.current_device()]
            if (str(self.device).startswith("cuda") and torch.cuda.is_available())
            else []
        )
        self._shuffle_generator = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_shuffle_generator", None)
        return state

    def __setstate__(self, state):
        requested = state["device"]
        state["device"] = _resolve_device(requested)
        super().__setstate__(state)
        self.device = requested

    # ------------------------------------------------------------------
    # public API
    # ------------------------------------------------------------------
    def _fit(self, X, y, sample_weight, sample_cost, classes, fit_params, reset):
        check_net_params(self)
        with self._resolved_device():
            dataset = self._training_dataset(
                X, y, sample_weight, sample_cost, classes, reset
            )
            self.penalty_matrix_ = self._aligned_penalty_matrix()
            with self._seeded():
                if reset:
                    super().initialize()
                NeuralNet.partial_fit(self, dataset, None, **fit_params)
        return self

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
            of ``classes_``), used by the bilinear losses in place of the
            row ``penalty_matrix[y]``.
        **fit_params
            Passed to the module's ``forward``.

        Returns
        -------
        self : object
        """
        reset = not (self.warm_start and self.__sklearn_is_fitted__())
        return self._fit(X, y, sample_weight, sample_cost, None, fit_params, reset)

    def partial_fit(
        self, X, y, classes=None, sample_weight=None, sample_cost=None, **fit_params
    ):
        """Train for ``max_epochs`` more epochs without re-initialising.

        Parameters are those of :meth:`fit`; ``classes`` lists all labels
        on the first call when ``y`` may lack some.
        """
        reset = not self.__sklearn_is_fitted__()
        return self._fit(X, y, sample_weight, sample_cost, classes, fit_params, reset)

    def forward(self, X, training=False, device="cpu"):
        with self._resolved_device():
            return super().forward(X, training=training, device=device)

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), rows summing to 1.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64
        """
        check_is_fitted(self)
        with self._resolved_device():
            dataset = DeviceDataset(self._validate_X(X))
            logits = super().forward(dataset, training=False, device="cpu")
        if isinstance(logits, tuple):
            logits = logits[0]
        return torch.softmax(logits.to(torch.float64), dim=-1).numpy()

    def predict(self, X):
        """Predicted labels: most probable class, or least expected cost with
        ``decision="min_risk"``."""
        proba = self.predict_proba(X)
        if self.decision == "min_risk":
            idx = np.argmin(proba @ self.penalty_matrix_, axis=1)
        else:
            idx = np.argmax(proba, axis=1)
        return self.classes_[idx]


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
