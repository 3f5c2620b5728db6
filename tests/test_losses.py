"""Tests for sklimb.losses.

Every loss is compared with a float64 reference written directly from its
formula with probabilities ``p = exp(z) / sum(exp(z))`` in numpy, for each
reduction and with class and sample weights; then known identities, extreme
logits, gradients and the ``nn.Module`` wrappers.
"""

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sklimb import losses as L

N_SAMPLES = 7
CASES = [(0, 2), (1, 3), (2, 4), (3, 5)]  # (seed, n_classes)
REDUCTIONS = ("mean", "sum", "none")
WEIGHTINGS = ("unweighted", "class_weight", "sample_weight", "both")

ALPHA = 0.6
GAMMA = 2.0
MARGIN = 0.7
BETA = 0.99
MAX_MARGIN = 0.5
SCALE = 2.0


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def _data(seed, n_classes, n_samples=N_SAMPLES):
    """Float64 logits and targets; row 0 is confidently right, row 1 wrong."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    z = rng.normal(scale=1.5, size=(n_samples, n_classes))
    z[0, y[0]] += 8.0
    z[1, y[1]] -= 8.0
    return z, y


def _params(seed, n_classes, n_samples=N_SAMPLES):
    """Penalty matrix, per-sample costs, class counts and weights (numpy)."""
    rng = np.random.default_rng(1000 + seed)
    A = rng.uniform(0.5, 3.0, size=(n_classes, n_classes))
    np.fill_diagonal(A, 0.0)
    return {
        "penalty_matrix": A,
        "sample_cost": rng.uniform(0.0, 3.0, size=(n_samples, n_classes)),
        "class_counts": rng.integers(1, 500, size=n_classes),
        "class_weight": rng.uniform(0.2, 3.0, size=n_classes),
        "sample_weight": rng.uniform(0.1, 2.0, size=n_samples),
    }


def _torch(params):
    """The tensors the losses take (counts stay integer)."""
    out = {k: torch.as_tensor(v) for k, v in params.items()}
    out["class_counts"] = params["class_counts"].tolist()
    return out


# --------------------------------------------------------------------------
# float64 references, written from the formulas
# --------------------------------------------------------------------------


def _softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _p_true(z, y):
    return _softmax(z)[np.arange(len(y)), y]


def _ce(z, y):
    return -np.log(_p_true(z, y))


def _focal(z, y, gamma):
    p_y = _p_true(z, y)
    return -((1.0 - p_y) ** gamma) * np.log(p_y)


def _bilinear(z, y, costs, alpha):
    return (1 - alpha) * _ce(z, y) + alpha * (costs * _softmax(z)).sum(axis=1)


def _log_bilinear(z, y, costs, alpha):
    log_term = -(costs * np.log(1.0 - _softmax(z))).sum(axis=1)
    return (1 - alpha) * _ce(z, y) + alpha * log_term


def _margin_ce(z, y, margin):
    return np.where(_p_true(z, y) <= margin, _ce(z, y), 0.0)


def _cb_weights(counts, beta):
    counts = np.asarray(counts, dtype=np.float64)
    w = (1.0 - beta) / (1.0 - beta**counts)
    return w * (len(counts) / w.sum())


def _ldam_margins(counts, max_margin):
    m = np.asarray(counts, dtype=np.float64) ** -0.25
    return m * (max_margin / m.max())


def _ldam(z, y, counts, max_margin, scale):
    delta = _ldam_margins(counts, max_margin)
    shifted = z - np.eye(z.shape[1])[y] * delta[y][:, None]
    return _ce(scale * shifted, y)


def _ref_reduce(per_sample, y, class_weight, sample_weight, reduction):
    """w = class_weight[y] * sample_weight; mean is sum(w l) / sum(w)."""
    w = np.ones_like(per_sample)
    if class_weight is not None:
        w = w * class_weight[y]
    if sample_weight is not None:
        w = w * sample_weight
    if reduction == "none":
        return w * per_sample
    if reduction == "sum":
        return (w * per_sample).sum()
    return (w * per_sample).sum() / w.sum()


# --------------------------------------------------------------------------
# Registry: name -> (call, reference, takes a class ``weight``)
#   call(z, y, params_as_tensors, **kw) -> Tensor
#   reference(z, y, params_as_numpy) -> (per-sample losses, built-in weights)
# --------------------------------------------------------------------------

LOSSES = {
    "cross_entropy": (
        lambda z, y, p, **kw: L.cross_entropy(z, y, **kw),
        lambda z, y, p: (_ce(z, y), None),
        True,
    ),
    "bilinear": (
        lambda z, y, p, **kw: L.bilinear_loss(
            z, y, p["penalty_matrix"], alpha=ALPHA, **kw
        ),
        lambda z, y, p: (_bilinear(z, y, p["penalty_matrix"][y], ALPHA), None),
        True,
    ),
    "bilinear_sample_cost": (
        lambda z, y, p, **kw: L.bilinear_loss(
            z, y, p["penalty_matrix"], alpha=ALPHA, sample_cost=p["sample_cost"], **kw
        ),
        lambda z, y, p: (_bilinear(z, y, p["sample_cost"], ALPHA), None),
        True,
    ),
    "log_bilinear": (
        lambda z, y, p, **kw: L.log_bilinear_loss(
            z, y, p["penalty_matrix"], alpha=ALPHA, **kw
        ),
        lambda z, y, p: (_log_bilinear(z, y, p["penalty_matrix"][y], ALPHA), None),
        True,
    ),
    "log_bilinear_sample_cost": (
        lambda z, y, p, **kw: L.log_bilinear_loss(
            z, y, None, alpha=ALPHA, sample_cost=p["sample_cost"], **kw
        ),
        lambda z, y, p: (_log_bilinear(z, y, p["sample_cost"], ALPHA), None),
        True,
    ),
    "focal": (
        lambda z, y, p, **kw: L.focal_loss(z, y, gamma=GAMMA, **kw),
        lambda z, y, p: (_focal(z, y, GAMMA), None),
        True,
    ),
    "focal_gamma_0.5": (
        lambda z, y, p, **kw: L.focal_loss(z, y, gamma=0.5, **kw),
        lambda z, y, p: (_focal(z, y, 0.5), None),
        True,
    ),
    "margin_cross_entropy": (
        lambda z, y, p, **kw: L.margin_cross_entropy(z, y, margin=MARGIN, **kw),
        lambda z, y, p: (_margin_ce(z, y, MARGIN), None),
        True,
    ),
    "class_balanced": (
        lambda z, y, p, **kw: L.class_balanced_loss(
            z, y, p["class_counts"], beta=BETA, **kw
        ),
        lambda z, y, p: (_ce(z, y), _cb_weights(p["class_counts"], BETA)),
        False,
    ),
    "class_balanced_focal": (
        lambda z, y, p, **kw: L.class_balanced_loss(
            z, y, p["class_counts"], beta=BETA, base="focal", gamma=GAMMA, **kw
        ),
        lambda z, y, p: (_focal(z, y, GAMMA), _cb_weights(p["class_counts"], BETA)),
        False,
    ),
    "ldam": (
        lambda z, y, p, **kw: L.ldam_loss(
            z, y, p["class_counts"], max_margin=MAX_MARGIN, scale=SCALE, **kw
        ),
        lambda z, y, p: (_ldam(z, y, p["class_counts"], MAX_MARGIN, SCALE), None),
        True,
    ),
}


def _weights(weighting, takes_weight, params):
    """Keyword arguments (tensors) and numpy arrays for one weighting."""
    use_cw = weighting in ("class_weight", "both")
    use_sw = weighting in ("sample_weight", "both")
    kwargs, cw, sw = {}, None, None
    if use_cw and takes_weight:
        cw = params["class_weight"]
        kwargs["weight"] = torch.as_tensor(cw)
    if use_sw:
        sw = params["sample_weight"]
        kwargs["sample_weight"] = torch.as_tensor(sw)
    return kwargs, cw, sw


REFERENCE_CASES = [
    pytest.param(
        name, seed, n_classes, weighting, id=f"{name}-C{n_classes}-{weighting}"
    )
    for name, (_, _, takes_weight) in LOSSES.items()
    for seed, n_classes in CASES
    for weighting in WEIGHTINGS
    if takes_weight or weighting in ("unweighted", "sample_weight")
]


@pytest.mark.parametrize("name, seed, n_classes, weighting", REFERENCE_CASES)
def test_loss_matches_float64_reference(name, seed, n_classes, weighting):
    call, reference, takes_weight = LOSSES[name]
    z, y = _data(seed, n_classes)
    params = _params(seed, n_classes)
    kwargs, cw, sw = _weights(weighting, takes_weight, params)
    per_sample, builtin_weight = reference(z, y, params)
    if builtin_weight is not None:
        cw = builtin_weight
    zt, yt, pt = torch.as_tensor(z), torch.as_tensor(y), _torch(params)

    for reduction in REDUCTIONS:
        got = call(zt, yt, pt, reduction=reduction, **kwargs)
        expected = _ref_reduce(per_sample, y, cw, sw, reduction)
        assert got.dtype == torch.float64
        assert got.shape == ((N_SAMPLES,) if reduction == "none" else ())
        np.testing.assert_allclose(
            got.numpy(), expected, rtol=1e-10, atol=1e-12, err_msg=reduction
        )


@pytest.mark.parametrize("seed, n_classes", CASES)
def test_log_one_minus_softmax_matches_reference(seed, n_classes):
    z, _ = _data(seed, n_classes)
    got = L.log_one_minus_softmax(torch.as_tensor(z))
    assert got.shape == z.shape
    np.testing.assert_allclose(
        got.numpy(), np.log(1.0 - _softmax(z)), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("seed, n_classes", CASES)
def test_margin_cross_entropy_zeroes_only_confident_samples(seed, n_classes):
    z, y = _data(seed, n_classes)
    got = L.margin_cross_entropy(
        torch.as_tensor(z), torch.as_tensor(y), margin=MARGIN, reduction="none"
    ).numpy()
    confident = _p_true(z, y) > MARGIN
    # Row 0 is confidently right, row 1 confidently wrong: both branches run.
    assert confident[0] and not confident[1]
    assert np.all(got[confident] == 0.0)
    np.testing.assert_allclose(got[~confident], _ce(z, y)[~confident], rtol=1e-12)


@pytest.mark.parametrize("max_margin", [0.5, 1.3])
def test_ldam_margins_formula(max_margin):
    counts = [400, 25, 3, 90]
    got = L.ldam_margins(counts, max_margin=max_margin)
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), _ldam_margins(counts, max_margin))
    # The rarest class gets the largest margin, equal to max_margin.
    assert got.argmax().item() == 2
    assert got.max().item() == pytest.approx(max_margin)


def test_class_balanced_weights_sum_to_n_classes():
    counts = [500, 120, 7, 30]
    module = L.ClassBalancedLoss(counts, beta=BETA)
    np.testing.assert_allclose(
        module.weight.double().numpy(), _cb_weights(counts, BETA), rtol=1e-6
    )
    assert module.weight.sum().item() == pytest.approx(len(counts), rel=1e-6)
    # Rarer classes weigh more.
    assert module.weight.argmax().item() == 2


# --------------------------------------------------------------------------
# Identities
# --------------------------------------------------------------------------

BILINEAR_FUNCTIONS = [
    pytest.param(L.bilinear_loss, id="bilinear"),
    pytest.param(L.log_bilinear_loss, id="log_bilinear"),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("fn", BILINEAR_FUNCTIONS)
def test_alpha_zero_is_cross_entropy(fn, reduction):
    for seed, n_classes in CASES:
        z, y = (torch.as_tensor(a) for a in _data(seed, n_classes))
        p = _torch(_params(seed, n_classes))
        kw = {
            "weight": p["class_weight"],
            "sample_weight": p["sample_weight"],
            "reduction": reduction,
        }
        expected = L.cross_entropy(z, y, **kw)
        got = fn(z, y, p["penalty_matrix"], alpha=0.0, **kw)
        torch.testing.assert_close(got, expected)
        got = fn(z, y, alpha=0.0, sample_cost=p["sample_cost"], **kw)
        torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("alpha", [0.3, 1.0])
@pytest.mark.parametrize("seed, n_classes", CASES)
@pytest.mark.parametrize("fn", BILINEAR_FUNCTIONS)
def test_zero_penalty_matrix_leaves_scaled_cross_entropy(fn, seed, n_classes, alpha):
    z, y = (torch.as_tensor(a) for a in _data(seed, n_classes))
    A = torch.zeros(n_classes, n_classes, dtype=torch.float64)
    got = fn(z, y, A, alpha=alpha, reduction="none")
    torch.testing.assert_close(
        got, (1 - alpha) * L.cross_entropy(z, y, reduction="none")
    )


@pytest.mark.parametrize("seed, n_classes", CASES)
def test_off_diagonal_ones_give_one_minus_p_true(seed, n_classes):
    z, y = _data(seed, n_classes)
    zt, yt = torch.as_tensor(z), torch.as_tensor(y)
    A = 1.0 - torch.eye(n_classes, dtype=torch.float64)
    expected = torch.as_tensor(1.0 - _p_true(z, y))
    got = L.bilinear_loss(zt, yt, A, alpha=1.0, reduction="none")
    torch.testing.assert_close(got, expected)
    # The same costs given per sample.
    got = L.bilinear_loss(zt, yt, alpha=1.0, sample_cost=A[yt], reduction="none")
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weight", [False, True], ids=["no_weight", "weight"])
def test_focal_gamma_zero_is_cross_entropy(with_weight, reduction):
    for seed, n_classes in CASES:
        z, y = (torch.as_tensor(a) for a in _data(seed, n_classes))
        p = _torch(_params(seed, n_classes))
        kw = {"sample_weight": p["sample_weight"], "reduction": reduction}
        if with_weight:
            kw["weight"] = p["class_weight"]
        torch.testing.assert_close(
            L.focal_loss(z, y, gamma=0.0, **kw), L.cross_entropy(z, y, **kw)
        )


def test_focal_gamma_zero_single_class_is_zero():
    z, y = torch.zeros(3, 1), torch.zeros(3, dtype=torch.long)
    got = L.focal_loss(z, y, gamma=0.0, reduction="none")
    torch.testing.assert_close(got, torch.zeros(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("seed, n_classes", CASES)
def test_class_balanced_beta_zero_is_unweighted(seed, n_classes, reduction):
    z, y = (torch.as_tensor(a) for a in _data(seed, n_classes))
    p = _torch(_params(seed, n_classes))
    kw = {"sample_weight": p["sample_weight"], "reduction": reduction}
    counts = p["class_counts"]
    torch.testing.assert_close(
        L.class_balanced_loss(z, y, counts, beta=0.0, **kw),
        L.cross_entropy(z, y, **kw),
    )
    got = L.class_balanced_loss(z, y, counts, beta=0.0, base="focal", gamma=1.5, **kw)
    torch.testing.assert_close(got, L.focal_loss(z, y, gamma=1.5, **kw))


@pytest.mark.parametrize("max_margin", [0.2, 0.5, 2.0])
@pytest.mark.parametrize("seed, n_classes", CASES)
def test_ldam_equal_counts_shift_true_logit_by_max_margin(seed, n_classes, max_margin):
    z, y = (torch.as_tensor(a) for a in _data(seed, n_classes))
    p = _torch(_params(seed, n_classes))
    shifted = z - max_margin * F.one_hot(y, n_classes).to(z.dtype)
    for reduction in REDUCTIONS:
        kw = {
            "weight": p["class_weight"],
            "sample_weight": p["sample_weight"],
            "reduction": reduction,
        }
        got = L.ldam_loss(
            z, y, [40] * n_classes, max_margin=max_margin, scale=1.0, **kw
        )
        torch.testing.assert_close(got, L.cross_entropy(shifted, y, **kw))
    # A margin on the true logit only makes the loss larger.
    got = L.ldam_loss(z, y, [40] * n_classes, max_margin=max_margin, reduction="none")
    assert torch.all(got > L.cross_entropy(z, y, reduction="none"))


@pytest.mark.parametrize("seed, n_classes", CASES)
def test_ldam_precomputed_margins_equal_class_counts(seed, n_classes):
    z, y = (torch.as_tensor(a) for a in _data(seed, n_classes))
    counts = _params(seed, n_classes)["class_counts"]
    margins = L.ldam_margins(counts, max_margin=0.8)
    torch.testing.assert_close(
        L.ldam_loss(z, y, margins=margins, scale=3.0),
        L.ldam_loss(z, y, counts, max_margin=0.8, scale=3.0),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_integer_sample_weights_equal_duplicated_rows(reduction):
    z, y = (torch.as_tensor(a) for a in _data(0, 3))
    sw = torch.tensor([1, 2, 1, 3, 1, 1, 2], dtype=torch.float64)
    rows = torch.repeat_interleave(torch.arange(N_SAMPLES), sw.long())
    A = torch.as_tensor(_params(0, 3)["penalty_matrix"])
    weighted = L.bilinear_loss(z, y, A, sample_weight=sw, reduction=reduction)
    duplicated = L.bilinear_loss(z[rows], y[rows], A, reduction=reduction)
    if reduction == "none":
        # Each row carries its weight; summing the copies gives the same.
        duplicated = torch.zeros_like(weighted).index_add_(0, rows, duplicated)
    torch.testing.assert_close(weighted, duplicated)


# --------------------------------------------------------------------------
# Numerical stability
# --------------------------------------------------------------------------

BIG = 1e4
EXTREME_LOGITS = [
    [BIG, -BIG, 0.0],  # confidently right
    [BIG, -BIG, 0.0],  # confidently wrong
    [-BIG, 0.0, BIG],  # confidently right
    [BIG, 0.0, 0.0],  # one huge logit, the truth is another class
    [0.0, 0.0, 0.0],  # three-way tie
    [BIG, BIG, -BIG],  # tie between two huge logits
    [-BIG, -BIG, -BIG],  # tie at a huge negative value
]
EXTREME_TARGET = [0, 1, 2, 1, 0, 1, 2]
DTYPES = [
    pytest.param(torch.float32, id="float32"),
    pytest.param(torch.float64, id="float64"),
]


def _extreme(dtype, requires_grad=True):
    z = torch.tensor(EXTREME_LOGITS, dtype=dtype, requires_grad=requires_grad)
    return z, torch.tensor(EXTREME_TARGET)


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(LOSSES))
def test_extreme_logits_give_finite_loss_and_gradient(name, dtype, reduction):
    call, _, takes_weight = LOSSES[name]
    z, y = _extreme(dtype)
    params = _params(0, 3)
    kwargs, _, _ = _weights("both", takes_weight, params)
    loss = call(z, y, _torch(params), reduction=reduction, **kwargs)
    assert loss.dtype == dtype
    assert torch.isfinite(loss).all()
    loss.sum().backward()
    assert z.grad is not None
    assert torch.isfinite(z.grad).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_logits_cross_entropy_and_focal_values(dtype):
    z, y = _extreme(dtype, requires_grad=False)
    log2, log3 = math.log(2.0), math.log(3.0)
    ce = torch.tensor([0.0, 2 * BIG, 0.0, BIG, log3, log2, log3], dtype=dtype)
    torch.testing.assert_close(L.cross_entropy(z, y, reduction="none"), ce)
    # Focal: factor 1 where p_y ~ 0, 0 where p_y ~ 1, (1 - 1/k)^2 at k-way ties.
    focal = ce * torch.tensor(
        [0.0, 1.0, 0.0, 1.0, (2 / 3) ** 2, 0.25, (2 / 3) ** 2], dtype=dtype
    )
    torch.testing.assert_close(L.focal_loss(z, y, gamma=2.0, reduction="none"), focal)


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_logits_log_one_minus_softmax(dtype):
    z, _ = _extreme(dtype)
    got = L.log_one_minus_softmax(z)
    assert torch.isfinite(got).all()
    # Row [1e4, 0, 0]: 1 - p_0 = 2 exp(-1e4), so log(1 - p_0) = log 2 - 1e4.
    assert got[3, 0].item() == pytest.approx(math.log(2.0) - BIG, rel=1e-6)
    # The other classes there have p ~ 0, so log(1 - p) ~ 0.
    torch.testing.assert_close(got[3, 1:], torch.zeros(2, dtype=dtype))
    got.sum().backward()
    assert torch.isfinite(z.grad).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_logits_cross_entropy_gradient_is_softmax_minus_onehot(dtype):
    z, y = _extreme(dtype)
    L.cross_entropy(z, y, reduction="sum").backward()
    expected = torch.softmax(z.detach(), dim=-1) - F.one_hot(y, 3).to(dtype)
    torch.testing.assert_close(z.grad, expected)


GRADCHECK_CASES = [
    pytest.param(name, reduction, id=f"{name}-{reduction}")
    for name in LOSSES
    for reduction in ("mean", "none")
]


@pytest.mark.parametrize("name, reduction", GRADCHECK_CASES)
def test_gradcheck(name, reduction):
    call, _, takes_weight = LOSSES[name]
    z, y = _data(5, 3, n_samples=4)
    params = _params(5, 3, n_samples=4)
    kwargs, _, _ = _weights("both", takes_weight, params)
    p = _torch(params)
    yt = torch.as_tensor(y)

    def fn(logits):
        return call(logits, yt, p, reduction=reduction, **kwargs)

    z = torch.as_tensor(z).requires_grad_()
    assert torch.autograd.gradcheck(fn, (z,))


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradcheck_extreme_logits(name):
    call, _, _ = LOSSES[name]
    z, y = _extreme(torch.float64)
    p = _torch(_params(0, 3))
    assert torch.autograd.gradcheck(lambda t: call(t, y, p, reduction="sum"), (z,))


def test_gradcheck_log_one_minus_softmax():
    z, _ = _data(6, 4, n_samples=3)
    z = torch.as_tensor(z).requires_grad_()
    assert torch.autograd.gradcheck(L.log_one_minus_softmax, (z,))


# --------------------------------------------------------------------------
# nn.Module wrappers
# --------------------------------------------------------------------------

# name -> (build(params, reduction), function(z, y, params, **kw),
#          forward keyword arguments(params), expected buffer names)
MODULES = {
    "CrossEntropyLoss": (
        lambda p, r: L.CrossEntropyLoss(weight=p["class_weight"], reduction=r),
        lambda z, y, p, **kw: L.cross_entropy(z, y, weight=p["class_weight"], **kw),
        lambda p: {},
        {"weight"},
    ),
    "BilinearLoss": (
        lambda p, r: L.BilinearLoss(
            p["penalty_matrix"], alpha=ALPHA, weight=p["class_weight"], reduction=r
        ),
        lambda z, y, p, **kw: L.bilinear_loss(
            z, y, p["penalty_matrix"], alpha=ALPHA, weight=p["class_weight"], **kw
        ),
        lambda p: {},
        {"penalty_matrix", "weight"},
    ),
    "BilinearLoss-sample_cost": (
        lambda p, r: L.BilinearLoss(None, alpha=ALPHA, reduction=r),
        lambda z, y, p, **kw: L.bilinear_loss(z, y, alpha=ALPHA, **kw),
        lambda p: {"sample_cost": p["sample_cost"]},
        set(),
    ),
    "LogBilinearLoss": (
        lambda p, r: L.LogBilinearLoss(
            p["penalty_matrix"], alpha=ALPHA, weight=p["class_weight"], reduction=r
        ),
        lambda z, y, p, **kw: L.log_bilinear_loss(
            z, y, p["penalty_matrix"], alpha=ALPHA, weight=p["class_weight"], **kw
        ),
        lambda p: {},
        {"penalty_matrix", "weight"},
    ),
    "LogBilinearLoss-sample_cost": (
        lambda p, r: L.LogBilinearLoss(p["penalty_matrix"], alpha=ALPHA, reduction=r),
        lambda z, y, p, **kw: L.log_bilinear_loss(z, y, alpha=ALPHA, **kw),
        lambda p: {"sample_cost": p["sample_cost"]},
        {"penalty_matrix"},
    ),
    "FocalLoss": (
        lambda p, r: L.FocalLoss(gamma=GAMMA, weight=p["class_weight"], reduction=r),
        lambda z, y, p, **kw: L.focal_loss(
            z, y, gamma=GAMMA, weight=p["class_weight"], **kw
        ),
        lambda p: {},
        {"weight"},
    ),
    "MarginCrossEntropyLoss": (
        lambda p, r: L.MarginCrossEntropyLoss(
            margin=MARGIN, weight=p["class_weight"], reduction=r
        ),
        lambda z, y, p, **kw: L.margin_cross_entropy(
            z, y, margin=MARGIN, weight=p["class_weight"], **kw
        ),
        lambda p: {},
        {"weight"},
    ),
    "ClassBalancedLoss": (
        lambda p, r: L.ClassBalancedLoss(p["class_counts"], beta=BETA, reduction=r),
        lambda z, y, p, **kw: L.class_balanced_loss(
            z, y, p["class_counts"], beta=BETA, **kw
        ),
        lambda p: {},
        {"weight"},
    ),
    "ClassBalancedLoss-focal": (
        lambda p, r: L.ClassBalancedLoss(
            p["class_counts"], beta=BETA, base="focal", gamma=GAMMA, reduction=r
        ),
        lambda z, y, p, **kw: L.class_balanced_loss(
            z, y, p["class_counts"], beta=BETA, base="focal", gamma=GAMMA, **kw
        ),
        lambda p: {},
        {"weight"},
    ),
    "LDAMLoss": (
        lambda p, r: L.LDAMLoss(
            p["class_counts"],
            max_margin=MAX_MARGIN,
            scale=SCALE,
            weight=p["class_weight"],
            reduction=r,
        ),
        lambda z, y, p, **kw: L.ldam_loss(
            z,
            y,
            p["class_counts"],
            max_margin=MAX_MARGIN,
            scale=SCALE,
            weight=p["class_weight"],
            **kw,
        ),
        lambda p: {},
        {"margins", "weight"},
    ),
}


def _module_inputs(dtype=torch.float32):
    z, y = _data(7, 4)
    p = _torch(_params(7, 4))
    return torch.as_tensor(z, dtype=dtype), torch.as_tensor(y), p


@pytest.mark.parametrize("with_sample_weight", [False, True], ids=["no_sw", "sw"])
@pytest.mark.parametrize("name", list(MODULES))
def test_module_equals_function(name, with_sample_weight):
    build, fn, forward_kw, _ = MODULES[name]
    z, y, p = _module_inputs()
    kw = forward_kw(p)
    if with_sample_weight:
        kw["sample_weight"] = p["sample_weight"]
    for reduction in REDUCTIONS:
        module = build(p, reduction)
        got = module(z, y, **kw)
        assert got.dtype == torch.float32
        assert got.shape == ((N_SAMPLES,) if reduction == "none" else ())
        torch.testing.assert_close(got, fn(z, y, p, reduction=reduction, **kw))


@pytest.mark.parametrize("name", list(MODULES))
def test_module_to_float64_moves_buffers(name):
    build, fn, forward_kw, buffers = MODULES[name]
    z, y, p = _module_inputs(torch.float64)
    module = build(p, "mean").to(torch.float64)
    for buffer_name in buffers:
        assert getattr(module, buffer_name).dtype == torch.float64
    got = module(z, y, **forward_kw(p))
    assert got.dtype == torch.float64
    # Buffers were stored in float32, so agreement is to float32 precision.
    torch.testing.assert_close(
        got, fn(z, y, p, reduction="mean", **forward_kw(p)), rtol=1e-6, atol=1e-6
    )


DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"),
    ),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(MODULES))
def test_module_to_device_moves_buffers(name, device):
    build, _, forward_kw, buffers = MODULES[name]
    z, y, p = _module_inputs()
    module = build(p, "none")
    expected = module(z, y, **forward_kw(p))
    module = module.to(device)
    for buffer_name in buffers:
        assert getattr(module, buffer_name).device.type == device
    kw = {k: v.to(device) for k, v in forward_kw(p).items()}
    got = module(z.to(device), y.to(device), **kw)
    assert got.device.type == device
    torch.testing.assert_close(got.cpu(), expected)


@pytest.mark.parametrize("name", list(MODULES))
def test_module_tensors_are_registered_buffers(name):
    build, _, _, buffers = MODULES[name]
    _, _, p = _module_inputs()
    module = build(p, "mean")
    assert set(dict(module.named_buffers())) == buffers
    state = module.state_dict()
    assert set(state) == buffers
    for buffer_name in buffers:
        torch.testing.assert_close(state[buffer_name], getattr(module, buffer_name))
    assert list(module.parameters()) == []


def test_bilinear_state_dict_round_trip():
    z, y, p = _module_inputs()
    module = L.BilinearLoss(p["penalty_matrix"], weight=p["class_weight"])
    other = L.BilinearLoss(torch.zeros(4, 4), weight=torch.ones(4))
    other.load_state_dict(module.state_dict())
    torch.testing.assert_close(other.penalty_matrix, module.penalty_matrix)
    torch.testing.assert_close(other(z, y), module(z, y))


def test_module_buffer_is_a_copy_of_the_argument():
    A = torch.ones(3, 3)
    module = L.BilinearLoss(A)
    A.zero_()
    assert torch.all(module.penalty_matrix == 1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_module_matches_torch(reduction):
    z, y, p = _module_inputs()
    weight = p["class_weight"].float()
    ours = L.CrossEntropyLoss(weight=weight, reduction=reduction)
    theirs = torch.nn.CrossEntropyLoss(weight=weight, reduction=reduction)
    torch.testing.assert_close(ours(z, y), theirs(z, y))


def test_class_balanced_module_weight_follows_counts():
    module = L.ClassBalancedLoss([100, 10], beta=0.9)
    np.testing.assert_allclose(
        module.weight.numpy(), _cb_weights([100, 10], 0.9), rtol=1e-6
    )


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

_Z = torch.zeros(2, 3)
_Y = torch.tensor([0, 2])
_A = 1.0 - torch.eye(3)
_COUNTS = [5, 10, 20]

ALPHA_MSG = re.escape("alpha must be in [0, 1]")
GAMMA_MSG = "gamma must be non-negative"
MARGIN_MSG = re.escape("margin must be in (0.5, 1)")
REDUCTION_MSG = re.escape("reduction must be one of ('mean', 'sum', 'none')")
COUNTS_MSG = "class_counts must all be positive"
PENALTY_MSG = "penalty_matrix is required unless sample_cost is given"


def _alpha_errors():
    for alpha in (-0.1, 1.5, float("nan")):
        yield L.bilinear_loss, (_Z, _Y, _A), {"alpha": alpha}
        yield L.log_bilinear_loss, (_Z, _Y, _A), {"alpha": alpha}
        yield L.BilinearLoss, (_A,), {"alpha": alpha}
        yield L.LogBilinearLoss, (_A,), {"alpha": alpha}


def _gamma_errors():
    for gamma in (-1.0, -1e-3, float("nan")):
        yield L.focal_loss, (_Z, _Y), {"gamma": gamma}
        yield L.FocalLoss, (), {"gamma": gamma}
        yield (
            L.class_balanced_loss,
            (_Z, _Y, _COUNTS),
            {"base": "focal", "gamma": gamma},
        )
        yield L.ClassBalancedLoss, (_COUNTS,), {"base": "focal", "gamma": gamma}


def _margin_errors():
    for margin in (0.5, 1.0, 0.2, 1.5):
        yield L.margin_cross_entropy, (_Z, _Y), {"margin": margin}
        yield L.MarginCrossEntropyLoss, (), {"margin": margin}


def _reduction_errors():
    # Each is called with reduction="avg" (see ERROR_CASES).
    yield L.cross_entropy, (_Z, _Y), {}
    yield L.bilinear_loss, (_Z, _Y, _A), {}
    yield L.log_bilinear_loss, (_Z, _Y, _A), {}
    yield L.focal_loss, (_Z, _Y), {}
    yield L.margin_cross_entropy, (_Z, _Y), {}
    yield L.class_balanced_loss, (_Z, _Y, _COUNTS), {}
    yield L.class_balanced_loss, (_Z, _Y, _COUNTS), {"base": "focal"}
    yield L.ldam_loss, (_Z, _Y, _COUNTS), {}
    for cls, args in [
        (L.CrossEntropyLoss, ()),
        (L.BilinearLoss, (_A,)),
        (L.LogBilinearLoss, (_A,)),
        (L.FocalLoss, ()),
        (L.MarginCrossEntropyLoss, ()),
        (L.ClassBalancedLoss, (_COUNTS,)),
        (L.LDAMLoss, (_COUNTS,)),
    ]:
        yield cls, args, {}


def _counts_errors():
    for counts in ([-1, 5, 5], [3, 0, 2]):
        yield L.ldam_margins, (counts,), {}
        yield L.ldam_loss, (_Z, _Y, counts), {}
        yield L.LDAMLoss, (counts,), {}


def _penalty_errors():
    yield L.bilinear_loss, (_Z, _Y), {}
    yield L.log_bilinear_loss, (_Z, _Y, None), {}
    yield (lambda *a, **k: L.BilinearLoss(None)(*a, **k)), (_Z, _Y), {}
    yield (lambda *a, **k: L.LogBilinearLoss(None)(*a, **k)), (_Z, _Y), {}


def _cases(generator, match, extra=None):
    out = []
    for fn, args, kwargs in generator():
        kwargs = {**kwargs, **(extra or {})}
        name = getattr(fn, "__name__", "module")
        out.append(pytest.param(fn, args, kwargs, match, id=f"{name}-{kwargs}"))
    return out


ERROR_CASES = (
    _cases(_alpha_errors, ALPHA_MSG)
    + _cases(_gamma_errors, GAMMA_MSG)
    + _cases(_margin_errors, MARGIN_MSG)
    + _cases(_reduction_errors, REDUCTION_MSG, {"reduction": "avg"})
    + _cases(_counts_errors, COUNTS_MSG)
    + _cases(_penalty_errors, PENALTY_MSG)
)


@pytest.mark.parametrize("fn, args, kwargs, match", ERROR_CASES)
def test_invalid_parameters_raise_value_error(fn, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kwargs)


def test_reduction_none_python_value_is_rejected():
    with pytest.raises(ValueError, match=REDUCTION_MSG):
        L.cross_entropy(_Z, _Y, reduction=None)


def test_class_balanced_bad_base():
    match = "base must be 'cross_entropy' or 'focal', got 'sigmoid'"
    with pytest.raises(ValueError, match=match):
        L.class_balanced_loss(_Z, _Y, _COUNTS, base="sigmoid")
    with pytest.raises(ValueError, match=match):
        L.ClassBalancedLoss(_COUNTS, base="sigmoid")


def test_class_balanced_bad_beta():
    with pytest.raises(ValueError, match=re.escape("beta must be in [0, 1)")):
        L.class_balanced_loss(_Z, _Y, _COUNTS, beta=1.0)


def test_ldam_needs_counts_or_margins():
    with pytest.raises(ValueError, match="ldam_loss needs class_counts or margins"):
        L.ldam_loss(_Z, _Y)


def test_ldam_negative_max_margin():
    with pytest.raises(ValueError, match="max_margin must be non-negative"):
        L.ldam_margins(_COUNTS, max_margin=-0.5)


def test_sample_weight_wrong_shape():
    # A column vector would otherwise broadcast to an (n, n) loss.
    with pytest.raises(ValueError, match=re.escape("sample_weight must have shape")):
        L.cross_entropy(_Z, _Y, sample_weight=torch.ones(2, 1), reduction="none")
    with pytest.raises(ValueError, match=re.escape("got (3,)")):
        L.focal_loss(_Z, _Y, sample_weight=torch.ones(3))


def test_sample_cost_wrong_shape():
    with pytest.raises(ValueError, match=re.escape("sample_cost must have shape")):
        L.bilinear_loss(_Z, _Y, sample_cost=torch.ones(3))
    with pytest.raises(ValueError, match=re.escape("got (3, 3)")):
        L.log_bilinear_loss(_Z, _Y, sample_cost=torch.ones(3, 3))


# ---------------------------------------------------------------------------
# The unweighted (log-)bilinear loss takes a shorter path (fewer autograd nodes)
# ---------------------------------------------------------------------------
COST_LOSSES = [
    pytest.param(L.bilinear_loss, id="bilinear"),
    pytest.param(L.log_bilinear_loss, id="log_bilinear"),
]


@pytest.mark.parametrize("loss", COST_LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("costs", ["penalty_matrix", "sample_cost"])
def test_unweighted_cost_loss_path_equals_the_general_path(
    loss, reduction, alpha, costs
):
    z, y = _data(3, 5)
    rng = np.random.default_rng(3)
    A = torch.as_tensor(rng.uniform(0, 2, size=(5, 5)))
    kw = (
        {"penalty_matrix": A}
        if costs == "penalty_matrix"
        else {"sample_cost": torch.as_tensor(rng.uniform(0, 2, size=z.shape))}
    )
    ones = torch.ones(len(y), dtype=torch.float64)
    results = []
    for extra in ({}, {"sample_weight": ones}):  # unit weights: the general path
        zt = torch.tensor(z, requires_grad=True)
        value = loss(
            zt, torch.as_tensor(y), alpha=alpha, reduction=reduction, **kw, **extra
        )
        value.backward()
        results.append((value.detach(), zt.grad))
    (fast, fast_grad), (general, general_grad) = results
    torch.testing.assert_close(fast, general, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(fast_grad, general_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("loss", COST_LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_unweighted_cost_loss_gradient_passes_gradcheck(loss, reduction):
    z, y = _data(4, 4)
    A = torch.as_tensor(np.random.default_rng(4).uniform(0, 1, size=(4, 4)))
    zt = torch.tensor(z, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda t: loss(t, torch.as_tensor(y), A, alpha=0.7, reduction=reduction),
        (zt,),
    )


@pytest.mark.parametrize("loss", COST_LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_unweighted_cost_loss_is_finite_at_extreme_logits(loss, dtype, reduction):
    z, y = _extreme(dtype)
    A = torch.ones(3, 3, dtype=dtype) - torch.eye(3, dtype=dtype)
    value = loss(z, y, A, alpha=0.9, reduction=reduction)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(z.grad).all()


def test_log_one_minus_softmax_memory_grows_with_the_classes_not_their_square():
    # With 500 classes an (n, C, C) intermediate would hold 250,000 values a row.
    n, C = 4, 500
    z = torch.randn(n, C, dtype=torch.float64, requires_grad=True)
    largest = []

    def pack(t):
        largest.append(t.numel())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = L.log_one_minus_softmax(z)
    assert max(largest) <= n * C
    expected = torch.log1p(-torch.softmax(z.detach(), dim=-1))
    torch.testing.assert_close(out.detach(), expected, rtol=1e-12, atol=1e-12)
    out.sum().backward()
    assert torch.isfinite(z.grad).all()


def test_log_one_minus_softmax_with_tied_maxima_and_under_vmap():
    z = torch.tensor([[3.0, 3.0, 0.0], [50.0, 50.0, -50.0], [0.0, 0.0, 0.0]])
    z = z.double()
    expected = torch.log1p(-torch.softmax(z, dim=-1))
    torch.testing.assert_close(L.log_one_minus_softmax(z), expected)
    stacked = torch.stack([z, 2 * z])
    torch.testing.assert_close(
        torch.func.vmap(L.log_one_minus_softmax)(stacked),
        torch.stack([L.log_one_minus_softmax(z), L.log_one_minus_softmax(2 * z)]),
    )


@pytest.mark.parametrize("loss", COST_LOSSES)
def test_cost_losses_of_float16_and_of_empty_batches(loss):
    # float16 takes the general path: nll_loss would sum 70,000 rows in float16.
    rng = np.random.default_rng(5)
    z = torch.as_tensor(rng.normal(size=(70_000, 3)), dtype=torch.float16)
    y = torch.as_tensor(rng.integers(0, 3, size=70_000))
    A = torch.ones(3, 3) - torch.eye(3)
    half = loss(z, y, A.half(), alpha=0.5)
    full = loss(z.float(), y, A, alpha=0.5)
    assert torch.isfinite(half)
    assert half.item() == pytest.approx(full.item(), rel=1e-2)
    # An empty batch: NaN (a mean of nothing), as on the general path.
    empty = loss(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), A, alpha=0.5)
    assert torch.isnan(empty)
