"""Per-sample bilinear and log-bilinear losses with hand-written gradients.

PyTorch's autograd differentiates :func:`sklimb.losses.bilinear_loss` through
every small operation of its forward pass (log-softmax, exp, product, sum,
gather, mix), each a kernel launch forwards and backwards. For the tiny
networks of the bilinear-loss experiments those launches cost as much as the
network. The functions here compute the same per-sample losses in one
:class:`torch.autograd.Function` whose backward is a closed formula.

With :math:`p = \\mathrm{softmax}(z)`, cost row :math:`c` (``A[y]`` or a
sample's own costs), one-hot :math:`e_y` and weight :math:`\\alpha`:

* bilinear, :math:`\\ell = (1-\\alpha)(-\\log p_y) + \\alpha\\, c^T p`:
  :math:`\\partial\\ell/\\partial z = (1-\\alpha)(p - e_y) +
  \\alpha\\, p \\odot (c - c^T p)`;
* log-bilinear, :math:`\\ell = (1-\\alpha)(-\\log p_y) - \\alpha\\, c^T
  \\log(1-p)`, with :math:`r_j = p_j / (1 - p_j)` (computed in log space):
  :math:`\\partial\\ell/\\partial z = (1-\\alpha)(p - e_y) +
  \\alpha\\,(c \\odot r - p\\, c^T r)`.

The cost rows and ``alpha`` get no gradient; callers use these functions only
when neither requires one. Both functions work under :func:`torch.func.vmap`
(``generate_vmap_rule``) and in CUDA graphs.
"""

import torch

__all__ = ["fused_bilinear", "fused_log_bilinear"]


def _log_one_minus_softmax(logits):
    # log(1 - p_j) = logsumexp_{k != j} z_k - logsumexp_k z_k, shifted by the
    # row maximum so that neither log-sum-exp overflows or cancels.
    n_classes = logits.shape[-1]
    shifted = logits - logits.amax(dim=-1, keepdim=True)
    eye = torch.eye(n_classes, dtype=torch.bool, device=logits.device)
    others = shifted.unsqueeze(-2).masked_fill(eye, float("-inf"))
    return torch.logsumexp(others, dim=-1) - torch.logsumexp(
        shifted, dim=-1, keepdim=True
    )


class _Bilinear(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(logits, target, costs, alpha):
        log_p = torch.log_softmax(logits, dim=-1)
        p = log_p.exp()
        bilinear = torch.linalg.vecdot(costs, p)
        log_p_y = log_p.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        return torch.lerp(log_p_y.neg(), bilinear, alpha), p, bilinear

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, target, costs, alpha = inputs
        _, p, bilinear = output
        ctx.save_for_backward(target, costs, p, bilinear, *_tensor(alpha))
        ctx.alpha_is_tensor = torch.is_tensor(alpha)
        ctx.alpha = None if ctx.alpha_is_tensor else alpha
        ctx.mark_non_differentiable(p, bilinear)

    @staticmethod
    def backward(ctx, grad, _grad_p, _grad_b):
        target, costs, p, bilinear, *rest = ctx.saved_tensors
        alpha = rest[0] if ctx.alpha_is_tensor else ctx.alpha
        # (1 - a)(p - e_y) + a p (c - c.p) = p (a (c - c.p) + 1 - a) - (1 - a) e_y
        d = p * (costs - bilinear.unsqueeze(-1)).mul_(alpha).add_(1 - alpha)
        d = d.scatter_add(-1, target.unsqueeze(-1), (alpha - 1) * torch.ones_like(p[..., :1]))
        return grad.unsqueeze(-1) * d, None, None, None


class _LogBilinear(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(logits, target, costs, alpha):
        log_p = torch.log_softmax(logits, dim=-1)
        log_1mp = _log_one_minus_softmax(logits)
        ce = -log_p.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        log_bilinear = -(costs * log_1mp).sum(dim=-1)
        return (1 - alpha) * ce + alpha * log_bilinear, log_p, log_1mp

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, target, costs, alpha = inputs
        _, log_p, log_1mp = output
        ctx.save_for_backward(target, costs, log_p, log_1mp, *_tensor(alpha))
        ctx.alpha_is_tensor = torch.is_tensor(alpha)
        ctx.alpha = None if ctx.alpha_is_tensor else alpha
        ctx.mark_non_differentiable(log_p, log_1mp)

    @staticmethod
    def backward(ctx, grad, _grad_lp, _grad_l1):
        target, costs, log_p, log_1mp, *rest = ctx.saved_tensors
        alpha = rest[0] if ctx.alpha_is_tensor else ctx.alpha
        p = log_p.exp()
        cr = costs * (log_p - log_1mp).exp()
        onehot = torch.zeros_like(p).scatter_(-1, target.unsqueeze(-1), 1.0)
        d = (1 - alpha) * (p - onehot) + alpha * (
            cr - p * cr.sum(dim=-1, keepdim=True)
        )
        return grad.unsqueeze(-1) * d, None, None, None


def _tensor(alpha):
    return (alpha,) if torch.is_tensor(alpha) else ()


def fused_bilinear(logits, target, costs, alpha):
    """Per-sample ``(1 - alpha) * CE + alpha * costs @ softmax(logits)``.

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes)
    target : LongTensor of shape (n_samples,)
    costs : Tensor of shape (n_samples, n_classes)
        Cost row of each sample; receives no gradient.
    alpha : float or 0-d Tensor
        Receives no gradient.

    Returns
    -------
    loss : Tensor of shape (n_samples,)
    """
    return _Bilinear.apply(logits, target, costs, alpha)[0]


def fused_log_bilinear(logits, target, costs, alpha):
    """Per-sample ``(1 - alpha) * CE - alpha * costs @ log(1 - softmax(logits))``.

    Parameters and returns are those of :func:`fused_bilinear`.
    """
    return _LogBilinear.apply(logits, target, costs, alpha)[0]
