"""Training steps captured as CUDA graphs.

A small network such as the bilinear-loss paper's MNIST CNN is bound by
kernel launches on a GPU: an eager training step launches dozens of small
kernels from Python. :func:`captured_train_step` records forward, loss,
backward and the optimiser step of one batch shape once as a CUDA graph
(``torch.cuda.graph``) and then replays it for every batch of that shape after
copying the batch into the graph's static input buffers: one launch per step.

The first ``warmup`` steps of each batch shape run eagerly on a side stream
(they are real training steps, as PyTorch's recipe for whole-network capture
asks); the next one is captured and replayed. The ragged last batch of an
epoch gets its own graph the second time it is seen. A capture that fails
(a loss or module that synchronises with the host, say) makes the rest of the
fit run eagerly, with one warning.

What a captured step does not see: a change of the optimiser's learning rate
or any tensor that a callback *replaces* (instead of updating in place)
between steps. :func:`capture_blockers` therefore allows only the callbacks
known to be safe (and those whose class sets ``graph_safe = True``).
"""

import inspect
import warnings

import torch
from skorch.callbacks import (
    EarlyStopping,
    EpochTimer,
    PassthroughScoring,
    PrintLog,
)

from ._monitoring import EpochLoss, EpochProgressBar, FiniteLossGuard

__all__ = [
    "CapturedStep",
    "captured_train_step",
    "capture_blockers",
    "make_optimizer_capturable",
]

# At most this many batch shapes get a graph (a full batch and the ragged
# last one); any other shape runs eagerly.
_MAX_GRAPHS = 2
_SAFE_CALLBACKS = (
    EpochTimer,
    PassthroughScoring,
    EpochLoss,
    PrintLog,
    EarlyStopping,
    FiniteLossGuard,
    EpochProgressBar,
)


def _optimizers(net):
    return [getattr(net, name + "_") for name in net._optimizers]


def capture_blockers(net, fit_params=None):
    """Why the training step of ``net`` cannot be captured (empty: it can).

    Parameters
    ----------
    net : CostSensitiveNetClassifier
        An initialised net whose ``device`` is resolved.
    fit_params : dict, default=None
        Extra arguments of the module's ``forward``.

    Returns
    -------
    reasons : list of str
    """
    reasons = []
    if not (str(net.device).startswith("cuda") and torch.cuda.is_available()):
        reasons.append(f"the device is {net.device!r}, not CUDA")
    if not isinstance(net.optimizer, type):
        reasons.append(f"the optimizer {net.optimizer!r} is not a class")
    elif not (
        issubclass(net.optimizer, torch.optim.SGD)
        or "capturable" in inspect.signature(net.optimizer).parameters
    ):
        reasons.append(f"the optimizer {net.optimizer.__name__} is not capturable")
    if net._grad_hooks:
        reasons.append("a callback reads the gradients of every batch")
    for name, cb in getattr(net, "callbacks_", []):
        # The exact classes: a subclass may act between steps (it can say it
        # does not with graph_safe = True).
        safe = type(cb) in _SAFE_CALLBACKS or getattr(cb, "graph_safe", False)
        if not safe:
            reasons.append(
                f"the callback {name!r} ({type(cb).__name__}) may change the "
                "optimiser or the loss between steps (set graph_safe = True on "
                "its class if it does not)"
            )
    if fit_params:
        reasons.append("fit() passes extra arguments to the module")
    return reasons


def _tensors(obj):
    if torch.is_tensor(obj):
        return [obj]
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _tensors(v)]
    if isinstance(obj, (tuple, list)):
        return [t for v in obj for t in _tensors(v)]
    return []


def _clone(obj):
    if torch.is_tensor(obj):
        return obj.clone()
    if isinstance(obj, dict):
        return {k: _clone(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return type(obj)(_clone(v) for v in obj)
    return obj


def _shape_key(batch):
    return tuple((tuple(t.shape), t.dtype) for t in _tensors(batch))


def _clone_outputs(out):
    if torch.is_tensor(out):
        return out.detach().clone()
    if isinstance(out, dict):
        return {k: _clone_outputs(v) for k, v in out.items()}
    return out


class _Graph:
    """One captured step and its static input and output tensors."""

    def __init__(self, graph, static_batch, outputs):
        self.graph = graph
        self.inputs = _tensors(static_batch)
        self.outputs = outputs

    def __call__(self, batch):
        for static, new in zip(self.inputs, _tensors(batch), strict=True):
            static.copy_(new, non_blocking=True)
        self.graph.replay()
        return _clone_outputs(self.outputs)


class CapturedStep:
    """A training step replayed from CUDA graphs, one per batch shape.

    Parameters
    ----------
    eager_step : callable
        ``eager_step(batch, **fit_params)``: the whole step run eagerly;
        returns a tensor or a dict of tensors (the loss, ...).
    capture_step : callable, default=None
        What is recorded: ``capture_step(static_batch)`` with the same result
        as ``eager_step`` (None: ``eager_step`` itself).
    before_capture : callable, default=None
        Called before each capture and after a failed one (e.g. to set the
        gradients to None, so that the graph allocates its own).
    required : bool, default=False
        Raise instead of falling back to eager steps when a capture fails.
    warmup : int, default=3
        Eager steps of the first batch shape before its capture.
    device : str or torch.device, default=None
        The CUDA device the step's tensors are on (None: the current one).
        Steps, captures and replays run with it as the current device, so
        that a net on ``"cuda:1"`` is captured on that device's streams
        whichever device is current.
    """

    def __init__(
        self,
        eager_step,
        capture_step=None,
        before_capture=None,
        required=False,
        warmup=3,
        device=None,
    ):
        self.eager_step = eager_step
        self.capture_step = eager_step if capture_step is None else capture_step
        self.before_capture = before_capture or (lambda: None)
        self.required, self.warmup = required, warmup
        self.graphs, self.seen = {}, {}
        self.disabled = False
        device = torch.device("cuda" if device is None else device)
        if device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        self.device = device
        with torch.cuda.device(device):
            self.stream = torch.cuda.Stream()  # eager warm-up steps
            self.capture_stream = torch.cuda.Stream()

    @property
    def n_graphs(self):
        """Number of batch shapes replayed from a graph (0 after a failure)."""
        return 0 if self.disabled else len(self.graphs)

    def __call__(self, batch, **fit_params):
        with torch.cuda.device(self.device):
            return self._step(batch, **fit_params)

    def _step(self, batch, **fit_params):
        if self.disabled or fit_params:
            return self.eager_step(batch, **fit_params)
        key = _shape_key(batch)
        graph = self.graphs.get(key)
        if graph is not None:
            return graph(batch)
        seen = self.seen[key] = self.seen.get(key, 0) + 1
        needed = self.warmup if not self.graphs else 1
        if seen <= needed or len(self.graphs) >= _MAX_GRAPHS:
            return self._side_stream_step(batch)
        graph = self._capture(batch)
        if graph is None:
            return self.eager_step(batch)
        self.graphs[key] = graph
        return graph(batch)

    def _side_stream_step(self, batch):
        main = torch.cuda.current_stream()
        self.stream.wait_stream(main)
        with torch.cuda.stream(self.stream):
            step = self.eager_step(batch)
        main.wait_stream(self.stream)
        for t in _tensors(step):
            t.record_stream(main)
        return step

    def _capture(self, batch):
        static_batch = _clone(batch)
        self.before_capture()
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph, stream=self.capture_stream):
                outputs = self.capture_step(static_batch)
        except Exception as exc:
            if self.required:
                raise RuntimeError(
                    "cuda_graph=True, but the training step could not be captured "
                    f"as a CUDA graph: {exc}. Use cuda_graph='auto' (falls back to "
                    "eager steps) or cuda_graph=False."
                ) from exc
            warnings.warn(
                "The training step could not be captured as a CUDA graph "
                f"({type(exc).__name__}: {exc}); this fit goes on with eager "
                "steps. Set cuda_graph=False to skip the attempt.",
                RuntimeWarning,
                stacklevel=3,
            )
            self.disabled = True
            torch.cuda.synchronize()
            self.before_capture()
            return None
        return _Graph(graph, static_batch, outputs)


def captured_train_step(net, required=False):
    """The training step of one initialised net on CUDA, as a :class:`CapturedStep`.

    The net's optimisers must have been created ``capturable``
    (:func:`make_optimizer_capturable`).
    """
    optimizers = _optimizers(net)

    def no_grads():
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)

    def step(batch):
        out = net.train_step_single(batch)
        for opt in optimizers:
            opt.step()
        return out

    return CapturedStep(
        net._eager_train_step, step, no_grads, required=required, device=net.device
    )


def make_optimizer_capturable(net, capturable=True):
    """Keep the state of ``net``'s optimisers on the device (``capturable``).

    ``capturable=False`` undoes it, for a net whose parameters moved to the
    CPU (where PyTorch refuses capturable optimisers).
    """
    for opt in _optimizers(net):
        for group in opt.param_groups:
            if "capturable" in group:  # SGD has no state to place
                group["capturable"] = capturable
