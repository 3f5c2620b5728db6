"""Train many networks of one architecture at once.

:func:`fit_batched` fits K sklimb nets on the same training data in one
vectorised loop (:func:`fit_batched_each`: each net on its own data of the
same size, e.g. cross-validation folds): their parameters are stacked (one
flat buffer holding each parameter's K copies as a ``(K, *shape)`` block), the
forward pass and the loss run under :func:`torch.func.vmap` with
:func:`torch.func.functional_call`, one backward pass gives every network's
gradient, and the optimiser update is one set of tensor operations over all
networks. Small networks are bound by per-step overhead on a CPU and by kernel
launches on a GPU, so K of them cost less than K fits. On CUDA the group's
whole step is replayed from CUDA graphs (the nets' ``cuda_graph`` parameter).

Each network stays what a single fit would make of it:

- its initial weights, shuffling generator, classes, class weights and
  aligned penalty matrix come from the estimator's own ``fit`` path, run up to
  the first epoch, so the same ``random_state`` gives the same initial weights
  and the same sequence of batches as a fit alone;
- its loss is the estimator's own criterion (one of :mod:`sklimb.losses`),
  called with that network's buffers (penalty matrix, class weights, LDAM
  margins) and ``alpha`` as vmapped tensors: the formulas are never copied;
- its optimiser (Adam, AdamW or SGD) has its own state and learning rate and
  weight decay, updated with the arithmetic of :mod:`torch.optim`;
- its ``history_`` gets the same per-batch and per-epoch records, through
  its own callbacks (epoch timer, loss scoring, the finite-loss guard).

Networks are grouped: two estimators share a batched fit when their
parameters differ only in :data:`PER_NETWORK` parameters and their modules,
criteria and optimisers have the same structure. Estimators that cannot be
batched (early stopping, user callbacks, LBFGS or another optimiser, a
callable loss, a module with buffers such as batch norm, a module ``vmap``
cannot run, sparse ``X``, ``fit`` parameters for the module's ``forward``,
convolutional nets on the CPU unless :data:`BATCH_CPU_CONVOLUTIONS`) are
fitted one at a time, with one :class:`BatchedFallbackWarning` per call.

Same seeds give the same networks as sequential fits up to float rounding
(batched matrix products sum in another order). Dropout draws its masks under
``vmap(randomness="different")`` (with :data:`GROUP_STEP` ``"streams"``: one
network after the other from the seeded global generator): with dropout the
results equal those of sequential fits only in distribution.
"""

import contextlib
import warnings

import numpy as np
import torch
from skorch.callbacks import Callback
from torch.func import functional_call, vmap

from . import losses as L
from ._capture import CapturedStep
from ._iterator import SparseRows
from ._rng import seeded_global_rng
from ._training import acts_per_batch

__all__ = [
    "BatchedFallbackWarning",
    "PER_NETWORK",
    "fit_batched",
    "fit_batched_each",
    "group_estimators",
]

#: Parameters that may differ between the networks of one batched fit.
PER_NETWORK = frozenset(
    {
        "random_state",
        "lr",
        "alpha",
        "penalty_matrix",
        "class_weight",
        "beta",
        "max_margin",
        "decision",
    }
)

# Parameters whose effect batched training reproduces when they are equal
# within a group. Any other parameter must keep its default value.
_SHARED = frozenset(
    {
        "module",
        "loss",
        "gamma",
        "margin",
        "scale",
        "sampler",
        "hidden_layer_sizes",
        "input_shape",
        "optimizer",
        "max_epochs",
        "batch_size",
        "device",
        "validation_fraction",
        "n_iter_no_change",
        "tol",
        "verbose",
        "progress_bar",
        "warm_start",
        "early_stopping",
        "callbacks",
        "cuda_graph",
        "precision",
    }
)
_SHARED_PREFIXES = ("module__", "optimizer__", "criterion__")

_LOSS_TYPES = (
    L.CrossEntropyLoss,
    L.BilinearLoss,
    L.FocalLoss,
    L.MarginCrossEntropyLoss,
    L.ClassBalancedLoss,
    L.LDAMLoss,
)


#: Whether nets with convolutions are batched on the CPU. Off: the K-fold
#: larger activations of the batched convolutions and poolings outgrow the
#: CPU caches, and the paper's MNIST CNN trained about 2.5x slower batched
#: than one net at a time on 2 cores (benchmarks/bench_sweep.py). On a GPU
#: they are always batched.
BATCH_CPU_CONVOLUTIONS = False
_CONVOLUTIONS = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)

#: How a group's forward pass, loss and backward pass run. ``"vmap"`` (the
#: default): one vectorised pass of all K networks (``torch.func.vmap``; a
#: convolution becomes one grouped convolution). ``"streams"``: each network's
#: own pass and backward, one after another in Python, each on its own CUDA
#: stream on a GPU, so that the group's captured graph holds K independent
#: branches that the GPU runs side by side, with the kernels of a single net
#: (no grouped convolutions); the optimiser update stays one stacked update.
#: On a CPU "streams" is a plain loop: slower than "vmap" for MLPs, about as
#: fast per network as single fits for CNNs, where "vmap" is twice as slow
#: (convolutional nets are batched on a CPU only with
#: :data:`BATCH_CPU_CONVOLUTIONS`). ``benchmarks/bench_group_step.py``
#: compares the two.
GROUP_STEP = "vmap"
_GROUP_STEPS = ("vmap", "streams")
# At most this many CUDA streams per group (PyTorch's pool holds 32).
_MAX_STREAMS = 32


class BatchedFallbackWarning(UserWarning):
    """Some networks could not be trained together and were fitted one at a time."""


# ----------------------------------------------------------------------
# grouping
# ----------------------------------------------------------------------
def _same(a, b):
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray | torch.Tensor):
        return a.shape == b.shape and bool((a == b).all())
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - incomparable values are different
        return False


def _unbatchable_reason(est):
    """Why ``est`` cannot join a batched fit, judged from its parameters."""
    from .classifier import CostSensitiveNetClassifier

    if not isinstance(est, CostSensitiveNetClassifier):
        return f"{type(est).__name__} is not a sklimb net"
    if not isinstance(est.loss, str):
        return "a callable loss"
    if est.early_stopping:
        return "early_stopping=True"
    if est.callbacks:
        return "user callbacks"
    if est.warm_start and est.__sklearn_is_fitted__():
        return "warm_start on a fitted net"
    if est.optimizer not in _OPTIMIZERS:
        return f"optimizer {getattr(est.optimizer, '__name__', est.optimizer)}"
    defaults = _defaults(type(est))
    for name, value in est.get_params(deep=False).items():
        if name in PER_NETWORK or name in _SHARED:
            continue
        if name.startswith(_SHARED_PREFIXES):
            continue
        if name not in defaults or not _same(value, defaults[name]):
            return f"{name}={value!r}"
    return None


_DEFAULTS = {}


def _defaults(cls):
    """Parameters of a default-constructed ``cls`` (cached)."""
    if cls not in _DEFAULTS:
        _DEFAULTS[cls] = cls().get_params(deep=False)
    return _DEFAULTS[cls]


def _shared_params(est):
    return {k: v for k, v in est.get_params(deep=False).items() if k not in PER_NETWORK}


def group_estimators(estimators):
    """Split estimators into groups that can be trained together.

    Parameters
    ----------
    estimators : list of estimators

    Returns
    -------
    groups : list of list of int
        Indices into ``estimators`` of each batchable group, in order of
        first appearance.
    single : dict of int to str
        Indices of the estimators that cannot be batched, with the reason.
    """
    groups, keys, single = [], [], {}
    for i, est in enumerate(estimators):
        reason = _unbatchable_reason(est)
        if reason is not None:
            single[i] = reason
            continue
        params = _shared_params(est)
        for group, key in zip(groups, keys, strict=True):
            if key.keys() == params.keys() and all(
                _same(key[k], params[k]) for k in key
            ):
                group.append(i)
                break
        else:
            groups.append([i])
            keys.append(params)
    return groups, single


# ----------------------------------------------------------------------
# initialisation through the estimator's own fit path
# ----------------------------------------------------------------------
class _Initialized(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, dataset):
        super().__init__("initialised")
        self.dataset = dataset


class _StopAtTrainBegin(Callback):
    """Stop ``fit`` once the net is initialised, handing back its dataset."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        raise _Initialized(X)


def _initialize(est, X, y, sample_weight, sample_cost):
    """Run ``est.fit`` up to its first epoch; return the training dataset.

    The estimator's own ``fit`` validates the data, draws its seed, seeds its
    weights and shuffling generator, builds module, criterion and optimizer,
    then calls the ``on_train_begin`` callbacks, where a private callback stops
    it. Nothing of ``fit`` is re-implemented here.
    """
    callbacks = est.callbacks
    est.callbacks = [("_sklimb_batched_init", _StopAtTrainBegin())]
    try:
        est.fit(X, y, sample_weight=sample_weight, sample_cost=sample_cost)
    except _Initialized as stop:
        dataset = stop.dataset
    else:  # pragma: no cover - fit always reaches on_train_begin
        raise RuntimeError("fit returned before training began.")
    finally:
        est.callbacks = callbacks
    # fit marks a net that raised as not fitted; this one is initialised.
    est.initialized_ = True
    est.initialize_callbacks()
    return dataset


# ----------------------------------------------------------------------
# optimisers over stacked parameters
# ----------------------------------------------------------------------
# The K networks' parameters live in one flat buffer, parameter-major: the
# block of parameter i holds its K copies as one contiguous (K, *shape)
# tensor. An optimiser updates the whole buffer with a few tensor operations;
# per-network hyperparameters are buffers of the same layout.


class _StackedAdam:
    """Adam / AdamW over the flat buffer, with the arithmetic of
    :class:`torch.optim.Adam` (:class:`~torch.optim.AdamW`).

    ``lr`` and ``weight_decay`` are per network; the other hyperparameters are
    shared by the group.
    """

    def __init__(self, groups, layout, decoupled):
        g = groups[0]
        self.beta1, self.beta2 = (float(b) for b in g["betas"])
        self.eps = float(g["eps"])
        lr = [float(gr["lr"]) for gr in groups]
        wd = [float(gr["weight_decay"]) for gr in groups]
        decoupled = decoupled or bool(g.get("decoupled_weight_decay", False))
        self.lr = layout(lr)
        self.wd = layout(wd) if any(wd) and not decoupled else None
        self.decay = (
            layout([1 - r * w for r, w in zip(lr, wd, strict=True)])
            if any(wd) and decoupled
            else None
        )
        self.exp_avg = torch.zeros_like(self.lr)
        self.exp_avg_sq = torch.zeros_like(self.lr)
        # The step count lives on the device (float64), as in torch's
        # capturable Adam: a step replayed from a CUDA graph still counts.
        self.t = torch.zeros((), dtype=torch.float64, device=self.lr.device)

    @torch.no_grad()
    def step(self, param, grad):
        self.t += 1
        if self.decay is not None:
            param.mul_(self.decay)
        elif self.wd is not None:
            grad = grad.add(param * self.wd)
        self.exp_avg.lerp_(grad, 1 - self.beta1)
        self.exp_avg_sq.mul_(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
        bc1 = 1 - torch.pow(self.beta1, self.t)
        bc2_sqrt = torch.sqrt(1 - torch.pow(self.beta2, self.t))
        denom = (self.exp_avg_sq.sqrt() / bc2_sqrt).add_(self.eps)
        # torch.optim.Adam: param += (-lr / bc1) * exp_avg / denom.
        param.add_(self.exp_avg / denom * (self.lr * (-1 / bc1)))

    def state(self, view):
        return {
            "step": self.t.detach().float().clone(),
            "exp_avg": view(self.exp_avg),
            "exp_avg_sq": view(self.exp_avg_sq),
        }


class _StackedSGD:
    """SGD with momentum, dampening, Nesterov and weight decay, as
    :class:`torch.optim.SGD`; ``lr`` and ``weight_decay`` per network."""

    def __init__(self, groups, layout):
        g = groups[0]
        self.momentum = float(g["momentum"])
        self.dampening = float(g["dampening"])
        self.nesterov = bool(g["nesterov"])
        wd = [float(gr["weight_decay"]) for gr in groups]
        self.wd = layout(wd) if any(wd) else None
        self.neg_lr = layout([-float(gr["lr"]) for gr in groups])
        self.buf = None

    @torch.no_grad()
    def step(self, param, grad):
        if self.wd is not None:
            grad = grad.add(param * self.wd)
        if self.momentum:
            if self.buf is None:
                self.buf = grad.clone()
            else:
                self.buf.mul_(self.momentum).add_(grad, alpha=1 - self.dampening)
            grad = (
                grad.add(self.buf, alpha=self.momentum) if self.nesterov else self.buf
            )
        param.add_(grad * self.neg_lr)

    def state(self, view):
        return {"momentum_buffer": None if self.buf is None else view(self.buf)}


_OPTIMIZERS = {
    torch.optim.Adam: lambda groups, layout: _StackedAdam(groups, layout, False),
    torch.optim.AdamW: lambda groups, layout: _StackedAdam(groups, layout, True),
    torch.optim.SGD: _StackedSGD,
}
# Hyperparameters that must be equal within a group (lr and weight_decay may
# differ); flags that must keep torch's default.
_SHARED_OPT = ("betas", "eps", "momentum", "dampening", "nesterov")
_OFF_FLAGS = ("amsgrad", "maximize", "differentiable")


# ----------------------------------------------------------------------
# structure checks on initialised nets
# ----------------------------------------------------------------------
def _criterion_signature(crit):
    static = {
        k: v
        for k, v in vars(crit).items()
        if not k.startswith("_") and k not in ("training", "alpha")
    }
    buffers = tuple((n, tuple(b.shape)) for n, b in crit.named_buffers())
    return type(crit), buffers, tuple(sorted(static.items(), key=lambda kv: kv[0]))


def _structure(est):
    """A hashable signature of an initialised net, or a reason string."""
    module, crit = est.module_, est.criterion_
    if any(True for _ in module.buffers()):
        return "a module with buffers (e.g. batch norm)"
    if type(crit) not in _LOSS_TYPES and not isinstance(crit, L.BilinearLoss):
        return f"criterion {type(crit).__name__}"
    opts = [getattr(est, name + "_") for name in est._optimizers]
    if len(opts) != 1 or type(opts[0]) not in _OPTIMIZERS:
        return "an optimizer batched training does not implement"
    opt = opts[0]
    if len(opt.param_groups) != 1:
        return "several optimizer parameter groups"
    group = opt.param_groups[0]
    if any(group.get(flag) for flag in _OFF_FLAGS):
        return "amsgrad, maximize or differentiable optimizer"
    params = list(module.named_parameters())
    if len(group["params"]) != len(params):
        return "an optimizer that does not hold exactly the module's parameters"
    dev = {p.device for _, p in params} | {p.dtype for _, p in params}
    if len(dev) != 2:
        return "parameters on several devices or of several dtypes"
    if (
        not BATCH_CPU_CONVOLUTIONS
        and params[0][1].device.type == "cpu"
        and any(isinstance(m, _CONVOLUTIONS) for m in module.modules())
    ):
        return (
            "convolutions on the CPU (there, a batch of K convolutional nets "
            "trains slower than K nets one at a time; on a GPU it is faster)"
        )
    return (
        type(module),
        tuple((n, tuple(p.shape), p.dtype, p.device) for n, p in params),
        _criterion_signature(crit),
        type(opt),
        tuple(
            (k, tuple(group[k]) if k == "betas" else group[k])
            for k in _SHARED_OPT
            if k in group
        ),
    )


# ----------------------------------------------------------------------
# the batched loop
# ----------------------------------------------------------------------
def _loss_call(template):
    """``f(tensors, logits, target, extra)`` calling the group's criterion."""
    if isinstance(template, L.BilinearLoss):
        # alpha is a plain float attribute of the module; pass it as the
        # per-network tensor the function accepts.
        def call(tensors, logits, target, extra):
            return template._fn(
                logits,
                target,
                tensors["penalty_matrix"],
                alpha=tensors["alpha"],
                weight=tensors.get("weight"),
                reduction=template.reduction,
                **extra,
            )

        return call

    def call(tensors, logits, target, extra):
        return functional_call(template, tensors, (logits, target), extra)

    return call


class _Group:
    """K initialised nets of one structure, trained as one stacked model."""

    def __init__(self, estimators, datasets, strategy="vmap"):
        self.ests = estimators
        K = len(estimators)
        est0 = estimators[0]
        self.module = est0.module_
        self.module.train(True)
        named = list(self.module.named_parameters())
        names = [n for n, _ in named]
        shapes = [p.shape for _, p in named]
        sizes = [K * p.numel() for _, p in named]
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.blocks = [slice(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
        self.shapes = shapes
        with torch.no_grad():
            per_net = [list(e.module_.parameters()) for e in estimators]
            self.flat = torch.cat(
                [
                    torch.stack([ps[i].detach() for ps in per_net]).reshape(-1)
                    for i in range(len(named))
                ]
            )
        # Leaf tensors (K, *shape) sharing the flat buffer's memory: autograd
        # gives one gradient per parameter, the optimiser updates the buffer.
        self.params = [t.requires_grad_(True) for t in self.views(self.flat.detach())]
        crit0 = est0.criterion_
        crit0.train(True)
        self.crit_tensors = {
            name: torch.stack(
                [dict(e.criterion_.named_buffers())[name] for e in estimators]
            )
            for name, _ in crit0.named_buffers()
        }
        if isinstance(crit0, L.BilinearLoss):
            self.crit_tensors["alpha"] = torch.tensor(
                [e.criterion_.alpha for e in estimators],
                dtype=self.flat.dtype,
                device=self.flat.device,
            )
        groups = [e.optimizer_.param_groups[0] for e in estimators]
        self.optimizer = _OPTIMIZERS[type(est0.optimizer_)](groups, self.layout)
        # Each net's training set; nets given the same data share one. With
        # several (cross-validation folds), their rows are stacked and each
        # net gathers its batches from its own.
        self.datasets = datasets
        self.dataset = dataset = datasets[0]
        self.extra_names = [
            name
            for name in ("sample_weight", "sample_cost")
            if getattr(dataset, name) is not None
        ]
        self.tables = {
            name: getattr(dataset, name) for name in ("X", "y", *self.extra_names)
        }
        unique = list({id(d): d for d in datasets}.values())
        self.stacked = None
        if len(unique) > 1:
            position = {id(d): i for i, d in enumerate(unique)}
            self.which = torch.tensor(
                [position[id(d)] for d in datasets], device=dataset.X.device
            )[:, None]
            self.stacked = {
                name: torch.stack([getattr(d, name) for d in unique])
                for name in ("X", "y", *self.extra_names)
            }
            # The same rows as one table: fold f's row i is row f * n + i.
            self.flat_stacked = {
                name: t.reshape(-1, *t.shape[2:]) for name, t in self.stacked.items()
            }
        loss_call = _loss_call(crit0)
        module, input_shape, extra_names = (
            self.module,
            est0.input_shape,
            self.extra_names,
        )

        autocast = None
        if est0.precision == "bfloat16":
            device_type = self.flat.device.type
            autocast = (device_type, torch.bfloat16)

        def one(params_k, tensors_k, x, target, *extra):
            if input_shape is not None:
                # As CostSensitiveNetClassifier.infer does.
                x = x.reshape(-1, *input_shape)
            params = dict(zip(names, params_k, strict=True))
            if autocast is None:
                logits = functional_call(module, params, (x,))
            else:
                # As CostSensitiveNetClassifier.infer: forward in bfloat16,
                # the loss in float32.
                with torch.autocast(*autocast, cache_enabled=False):
                    logits = functional_call(module, params, (x,)).float()
            return loss_call(
                tensors_k, logits, target, dict(zip(extra_names, extra, strict=True))
            )

        self.one = one
        self.losses = vmap(one, randomness="different")
        self.strategy = strategy
        if strategy == "streams":
            # Each network's parameters as leaves of their own: views of the
            # flat buffer (the optimiser updates them in place), so that one
            # network's backward pass gives only its own gradients.
            self.net_params = [
                [t[k].detach().requires_grad_(True) for t in self.params]
                for k in range(K)
            ]
            # Each network's criterion tensors; alpha as the float a single
            # fit passes (the bilinear losses' shorter path needs a float).
            self.net_tensors = [
                {name: t[k] for name, t in self.crit_tensors.items()} for k in range(K)
            ]
            if "alpha" in self.crit_tensors:
                for tensors, est in zip(self.net_tensors, estimators, strict=True):
                    tensors["alpha"] = float(est.criterion_.alpha)
            on_cuda = self.flat.device.type == "cuda"
            self.streams = (
                [
                    torch.cuda.Stream(self.flat.device)
                    for _ in range(min(K, _MAX_STREAMS))
                ]
                if on_cuda
                else []
            )

    def views(self, flat):
        """The (K, *shape) block of each parameter in a flat buffer."""
        K = len(self.ests)
        return [
            flat[block].view(K, *shape)
            for block, shape in zip(self.blocks, self.shapes, strict=True)
        ]

    def layout(self, values):
        """A flat buffer holding network k's value in all its entries."""
        v = torch.tensor(values, dtype=self.flat.dtype, device=self.flat.device)
        return torch.cat(
            [
                v.view(-1, *[1] * len(shape)).expand(-1, *shape).reshape(-1)
                for shape in self.shapes
            ]
        )

    def _rows(self, idx):
        """The (K, batch, ...) inputs, targets and extras of rows ``idx``."""
        ds = self.dataset
        # index_select on flat row numbers: several times faster on the CPU
        # than advanced indexing with a (K, batch) index.
        if self.stacked is None:
            flat_idx, tables = idx.reshape(-1), self.tables
        else:
            n = self.stacked["y"].shape[1]
            flat_idx, tables = (self.which * n + idx).reshape(-1), self.flat_stacked

        def rows(name):
            table = tables[name]
            picked = torch.index_select(table, 0, flat_idx)
            return picked.view(*idx.shape, *table.shape[1:])

        # _move copies the rows to the nets' device when the data are
        # streamed from (pinned) host memory, as the batch iterator does.
        extra = [ds._move(rows(name)) for name in self.extra_names]
        return ds._move(rows("X")), ds._move(rows("y")), extra

    def step(self, idx):
        """One training step of every network on rows ``idx`` (K, batch)."""
        if self.strategy == "streams":
            losses, grads = self._net_by_net(*self._rows(idx))
        else:
            x, target, extra = self._rows(idx)
            losses = self.losses(self.params, self.crit_tensors, x, target, *extra)
            grads = torch.autograd.grad(losses.sum(), self.params)
        self.optimizer.step(self.flat, torch.cat([g.reshape(-1) for g in grads]))
        return losses.detach()

    def _net_by_net(self, x, target, extra):
        """Each network's loss and gradients, on its own stream on CUDA.

        Returns the (K,) losses and the gradients in the flat buffer's order
        (parameter by parameter, network by network).
        """
        if not self.streams:  # the CPU: one network after the other
            losses, grads = self._each_net(x, target, extra, [contextlib.nullcontext()])
        else:
            main = torch.cuda.current_stream(self.flat.device)
            # The streams fork from the current (capturing) stream before any
            # network's work is queued, and join it before the results are
            # read, even after an error (an unjoined stream spoils a
            # capture). A pool stream that is the current one runs its
            # networks there.
            side = [s for s in self.streams if s != main]
            for stream in side:
                stream.wait_stream(main)
            try:
                losses, grads = self._each_net(
                    x, target, extra, [torch.cuda.stream(s) for s in self.streams]
                )
            finally:
                for stream in side:
                    main.wait_stream(stream)
        flat = [g for per_param in zip(*grads, strict=True) for g in per_param]
        return torch.stack(losses), flat

    def _each_net(self, x, target, extra, contexts):
        """Losses and gradient tuples of the networks, network k's work in
        ``contexts[k % len(contexts)]``."""
        losses, grads = [], []
        for k, (params, tensors) in enumerate(
            zip(self.net_params, self.net_tensors, strict=True)
        ):
            with contexts[k % len(contexts)]:
                loss = self.one(
                    params, tensors, x[k], target[k], *[e[k] for e in extra]
                )
                grads.append(torch.autograd.grad(loss, params))
                losses.append(loss.detach())
        return losses, grads

    def probe(self):
        """Forward and backward on two rows, raising if the group cannot run."""
        ds = self.dataset
        idx = torch.arange(min(2, len(ds)), device=ds.X.device)
        x, target, extra = self._rows(idx.expand(len(self.ests), -1))
        if self.strategy == "streams":
            self._net_by_net(x, target, extra)
            return
        losses = self.losses(self.params, self.crit_tensors, x, target, *extra)
        torch.autograd.grad(losses.sum(), self.params)

    def write_back(self):
        """Copy each network's weights and optimiser state into its estimator."""
        with torch.no_grad():
            for k, est in enumerate(self.ests):
                opt = est.optimizer_
                for i, p in enumerate(est.module_.parameters()):
                    p.copy_(self.params[i][k])

                    def view(flat, i=i, k=k):
                        return self.views(flat)[i][k].clone()

                    opt.state[p] = self.optimizer.state(view)


def _record_batches(net, losses, sizes, hooks):
    """Record an epoch's batches in ``net.history`` as skorch's epoch would."""
    if hooks:
        # Through the callbacks, batch by batch. (A non-finite loss is the
        # finite-loss guard's error at the end of the epoch, either way.)
        for value, size in zip(losses, sizes, strict=True):
            net.notify("on_batch_begin", batch=None, training=True)
            net.history.record_batch("train_loss", value)
            net.history.record_batch("train_batch_size", size)
            net.notify("on_batch_end", batch=None, training=True)
        return
    # What NeuralNet.on_batch_begin (history.new_batch) and record_batch write.
    net.history[-1]["batches"].extend(
        {"train_loss": value, "train_batch_size": size}
        for value, size in zip(losses, sizes, strict=True)
    )


def _train_group(group, errors, index):
    """Train a group's nets together; record per-net errors in ``errors``."""
    ests, dataset = group.ests, group.dataset
    iterators = [
        e.get_iterator(d, training=True)
        for e, d in zip(ests, group.datasets, strict=True)
    ]
    n, bs = len(dataset), iterators[0].batch_size
    device = dataset.X.device  # where the rows are gathered
    sizes = [min(bs, n - s) for s in range(0, n, bs)]
    step = group.step
    option = ests[0].cuda_graph
    if dataset.device.type == "cuda" and not dataset.streamed and option is not False:
        # The whole group's step (every net's forward and loss, backward, the
        # stacked optimiser update) as one CUDA graph per batch shape.
        step = CapturedStep(
            group.step, required=option is True, device=group.flat.device
        )
    failed = [False] * len(ests)
    batch_hooks = [acts_per_batch(e) for e in ests]
    epoch_kwargs = [{"dataset_train": d, "dataset_valid": None} for d in group.datasets]
    for e, d in zip(ests, group.datasets, strict=True):
        e.notify("on_train_begin", X=d, y=None)
    seed = ests[0]._fit_seed
    with seeded_global_rng(seed, group.flat.device):
        for _epoch in range(ests[0].max_epochs):
            for k, e in enumerate(ests):
                if not failed[k]:
                    e.notify("on_epoch_begin", **epoch_kwargs[k])
            orders = torch.stack([it._order() for it in iterators]).to(device)
            try:
                batch_losses = [step(orders[:, s : s + bs]) for s in range(0, n, bs)]
            except Exception as exc:  # noqa: BLE001 - every net's fit fails with it
                # A module that breaks on some batch (a one-row last batch,
                # say) breaks each of these nets' fits alone too: each net
                # gets the error, as a fit of its own would raise it.
                for k in range(len(ests)):
                    if not failed[k]:
                        failed[k] = True
                        errors[index[k]] = exc
                break
            batch_losses = torch.stack(batch_losses, dim=1).tolist()
            for k, e in enumerate(ests):
                if failed[k]:
                    continue
                try:
                    _record_batches(e, batch_losses[k], sizes, batch_hooks[k])
                    e.history.record("train_batch_count", len(sizes))
                    e.notify("on_epoch_end", **epoch_kwargs[k])
                except Exception as exc:  # noqa: BLE001 - e.g. the finite-loss guard
                    failed[k] = True
                    errors[index[k]] = exc
            if all(failed):
                break
    group.write_back()
    for k, e in enumerate(ests):
        if not failed[k]:
            try:  # e.g. the finite-loss guard's check of the weights
                e.notify("on_train_end", X=group.datasets[k], y=None)
            except Exception as exc:  # noqa: BLE001 - this net's error
                failed[k] = True
                errors[index[k]] = exc
        if failed[k]:
            # As fit does after an error: the weights must not be used.
            e.initialized_ = False
            continue
        e.cuda_graph_ = step.n_graphs if isinstance(step, CapturedStep) else 0
        # What fit records and reports after its loop (n_iter_, loss_curve_,
        # the convergence warning, ...).
        e._end_fit(False, 0)


def _fit_one(est, X, y, sample_weight, sample_cost, fit_params):
    kwargs = {}
    if sample_weight is not None:
        kwargs["sample_weight"] = sample_weight
    if sample_cost is not None:
        kwargs["sample_cost"] = sample_cost
    est.fit(X, y, **kwargs, **fit_params)


def fit_batched(
    estimators,
    X,
    y,
    *,
    sample_weight=None,
    sample_cost=None,
    raise_errors=True,
    **fit_params,
):
    """Fit sklimb nets on the same data, training compatible ones together.

    Parameters
    ----------
    estimators : list of CostSensitiveNetClassifier
        Fitted in place. Estimators that cannot be batched are fitted one at
        a time (see the module docstring), with one
        :class:`BatchedFallbackWarning`.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), default=None
    sample_cost : array-like of shape (n_samples, n_classes), default=None
        As in :meth:`~sklimb.CostSensitiveNetClassifier.fit`, shared by all
        estimators.
    raise_errors : bool, default=True
        Re-raise the first error of any fit. When False, errors are returned
        and the other estimators are still fitted.
    **fit_params
        Passed to the module's ``forward``; given any, every estimator is
        fitted one at a time.

    Returns
    -------
    errors : list of (Exception or None)
        For each estimator, the error its fit raised, or None.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklimb import BilinearNetClassifier
    >>> from sklimb._batched import fit_batched
    >>> X, y = load_iris(return_X_y=True)
    >>> nets = [BilinearNetClassifier(alpha=a, max_epochs=3, random_state=0)
    ...         for a in (0.0, 0.5, 0.9)]
    >>> fit_batched(nets, X, y)
    [None, None, None]
    >>> nets[2].predict(X[:3]).shape
    (3,)
    """
    data = [(X, y, sample_weight, sample_cost)] * len(estimators)
    return _fit_each(estimators, data, raise_errors, fit_params)


def fit_batched_each(estimators, data, *, raise_errors=True):
    """Fit sklimb nets, each on its own data, training compatible ones together.

    As :func:`fit_batched`, but each estimator has its own training data
    (cross-validation folds, say): nets whose data have the same number of
    rows (after dropping zero-weight rows) and features still train together,
    each gathering its batches from its own rows.

    Parameters
    ----------
    estimators : list of CostSensitiveNetClassifier
    data : list of tuple
        ``(X, y, sample_weight, sample_cost)`` of each estimator. Estimators
        given the same ``X`` object share one copy of it on the device.
    raise_errors : bool, default=True

    Returns
    -------
    errors : list of (Exception or None)
    """
    return _fit_each(estimators, data, raise_errors, {})


def _group_step():
    if GROUP_STEP not in _GROUP_STEPS:
        raise ValueError(
            f"sklimb._batched.GROUP_STEP must be one of {_GROUP_STEPS}, got "
            f"{GROUP_STEP!r}."
        )
    return GROUP_STEP


def _fit_each(estimators, data, raise_errors, fit_params):
    group_step = _group_step()  # a bad setting is an error, not a fallback
    errors = [None] * len(estimators)
    groups, single = group_estimators(estimators)
    if fit_params:
        single.update(dict.fromkeys(sorted(i for g in groups for i in g), "fit_params"))
        groups = []
    sequential = dict(single)
    for members in groups:
        if len(members) == 1:
            sequential[members[0]] = None
            continue
        _fit_group(
            [estimators[i] for i in members],
            members,
            [data[i] for i in members],
            errors,
            sequential,
            group_step,
        )
    reasons = {r for r in sequential.values() if r is not None}
    if reasons:
        n = sum(r is not None for r in sequential.values())
        warnings.warn(
            f"{n} of {len(estimators)} networks could not be trained together and "
            f"were fitted one at a time: {'; '.join(sorted(reasons))}.",
            BatchedFallbackWarning,
            stacklevel=3,
        )
    for i in sorted(sequential):
        try:
            _fit_one(estimators[i], *data[i], fit_params)
        except Exception as exc:  # noqa: BLE001 - returned or re-raised below
            errors[i] = exc
        else:
            if estimators[i].interrupted_:
                # A fit alone catches Ctrl-C and keeps its epochs so far; here
                # the interrupt stops every fit, as it does a group's training.
                raise KeyboardInterrupt
    if raise_errors:
        for exc in errors:
            if exc is not None:
                raise exc
    return errors


def _fit_group(ests, members, data, errors, sequential, group_step):
    """Initialise, sub-group by structure, and train one parameter group."""
    datasets, structures = {}, {}
    for est, i, (X, y, sample_weight, sample_cost) in zip(
        ests, members, data, strict=True
    ):
        try:
            dataset = _initialize(est, X, y, sample_weight, sample_cost)
        except Exception as exc:  # noqa: BLE001 - this estimator's own error
            errors[i] = exc
            continue
        structure = _structure(est)
        if isinstance(dataset.X, SparseRows):
            structure = "sparse X (a batched step gathers dense rows)"
        if isinstance(structure, str):
            sequential[i] = structure
            continue
        structure += (
            len(dataset),
            tuple(dataset.X.shape[1:]),
            dataset.X.device,
            tuple(
                n
                for n in ("sample_weight", "sample_cost")
                if getattr(dataset, n) is not None
            ),
        )
        # Nets given the same data made the same dataset: keep one (the
        # structure includes the device).
        dataset = datasets.setdefault((structure, id(X)), dataset)
        structures.setdefault(structure, []).append((i, est, dataset))
    for subgroup in structures.values():
        index = [i for i, _, _ in subgroup]
        if len(subgroup) == 1:
            sequential[index[0]] = None
            continue
        nets = [est for _, est, _ in subgroup]
        try:
            group = _Group(nets, [d for _, _, d in subgroup], group_step)
            group.probe()
        except Exception as exc:  # noqa: BLE001 - vmap or functional_call failed
            how = (
                "torch.func.vmap"
                if group_step == "vmap"
                else "a network-by-network step"
            )
            reason = f"{type(nets[0].module_).__name__} under {how} ({exc})"
            sequential.update(dict.fromkeys(index, reason))
            continue
        _train_group(group, errors, index)
