"""Figures of a sweep in the style of the paper's: error vs alpha with CI bands.

One figure per dataset and measure, with one panel per loss: ``alpha`` on the
x axis at evenly spaced (categorical) positions, one line per mask size with
its confidence band. Figures are built with matplotlib's object-oriented API
(no pyplot state) and saved as PNG and SVG.
"""

from pathlib import Path

import numpy as np

from ._deps import require_figure
from .grid import LOSS_LABELS as _LOSS_TITLES
from .results import atomic_write
from .stats import ci_suffix as _ci_suffix

__all__ = ["plot_masked_zone_errors", "plot_overall_error", "save_figures"]

_MEASURES = {
    "masked_zone_count": ("masked-zone test errors (count)", 1.0),
    "masked_zone_error": ("masked-zone error (% of test samples)", 100.0),
    "masked_zone_error_share": ("share of errors in the masked zone (%)", 100.0),
    "overall_error": ("overall test error (%)", 100.0),
}


def _alpha_panels(summary, dataset, metric, title):
    if metric not in _MEASURES:
        raise ValueError(f"metric must be one of {list(_MEASURES)}, got {metric!r}.")
    table = summary[summary["dataset"] == dataset]
    if table.empty:
        known = sorted(summary["dataset"].unique())
        raise ValueError(f"dataset {dataset!r} is not in the summary ({known}).")
    Figure = require_figure()
    ylabel, scale = _MEASURES[metric]
    suffix = _ci_suffix(summary)
    level = suffix[len("_ci") :]
    losses = list(dict.fromkeys(table["loss"]))
    alphas = sorted(table["alpha"].unique())
    sizes = sorted(table["mask_size"].unique())
    position = {a: i for i, a in enumerate(alphas)}

    fig = Figure(figsize=(5.2 * len(losses) + 1.2, 4.4), layout="constrained")
    axes = fig.subplots(1, len(losses), sharey=True, squeeze=False)[0]
    colors = _colors(len(sizes))
    for ax, loss in zip(axes, losses, strict=True):
        by_loss = table[table["loss"] == loss]
        for n, color in zip(sizes, colors, strict=True):
            rows = by_loss[by_loss["mask_size"] == n].sort_values("alpha")
            if rows.empty:
                continue
            x = np.array([position[a] for a in rows["alpha"]])
            mean = scale * rows[f"{metric}_mean"].to_numpy(dtype=float)
            half = scale * rows[f"{metric}{suffix}"].to_numpy(dtype=float)
            ax.plot(x, mean, marker="o", ms=4, lw=1.6, color=color, label=f"n = {n}")
            if np.isfinite(half).any():
                ax.fill_between(
                    x, mean - half, mean + half, color=color, alpha=0.18, lw=0
                )
        ax.set_title(_LOSS_TITLES.get(loss, loss))
        ax.set_xticks(range(len(alphas)))
        ax.set_xticklabels([f"{a:g}" + ("\n(CE)" if a == 0 else "") for a in alphas])
        ax.set_xlabel("α (weight of the bilinear term)")
        ax.grid(True, axis="y", alpha=0.3)
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel(ylabel)
    axes[-1].legend(title="mask size", loc="upper left", bbox_to_anchor=(1.01, 1))
    reps = int(table["reps"].min())
    fig.suptitle(f"{dataset}: {title} (mean and {level}% CI over {reps} repetitions)")
    return fig


def _colors(k):
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(v) for v in np.linspace(0.05, 0.85, k)] if k > 1 else [cmap(0.3)]


def plot_masked_zone_errors(summary, dataset, metric="masked_zone_count"):
    """Masked-zone errors vs alpha, one line per mask size, one panel per loss.

    Parameters
    ----------
    summary : DataFrame
        The output of :func:`~sklimb.experiments.summarize`.
    dataset : str
        Which dataset of the summary to plot.
    metric : {"masked_zone_count", "masked_zone_error", \
"masked_zone_error_share"}, default="masked_zone_count"
        The count of masked-zone test errors (as the paper's figures), their
        percent of the test samples, or their share of all errors (as the
        authors' code).

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.

    Examples
    --------
    >>> from sklimb.experiments import plot_masked_zone_errors, summarize
    >>> rows = [
    ...     {"dataset": "d", "loss": "bilinear", "mask_size": 10, "alpha": a,
    ...      "rep": r, "masked_zone_error": m, "masked_zone_count": 100 * m,
    ...      "masked_zone_error_share": m, "overall_error": 0.05}
    ...     for a, r, m in [(0, 0, 0.04), (0.5, 0, 0.01), (0, 1, 0.02),
    ...                     (0.5, 1, 0.02)]
    ... ]
    >>> fig = plot_masked_zone_errors(summarize(rows), "d")
    >>> fig.axes[0].get_title()
    'bilinear loss'
    """
    if metric == "overall_error":
        raise ValueError("use plot_overall_error for metric='overall_error'.")
    return _alpha_panels(summary, dataset, metric, "masked-zone test errors")


def plot_overall_error(summary, dataset):
    """Overall test error (%) vs alpha, one line per mask size and panel per loss.

    Parameters
    ----------
    summary : DataFrame
        The output of :func:`~sklimb.experiments.summarize`.
    dataset : str
        Which dataset of the summary to plot.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    return _alpha_panels(summary, dataset, "overall_error", "overall test error")


def save_figures(summary, out_dir):
    """Save both figures of every dataset of a summary as PNG and SVG.

    Parameters
    ----------
    summary : DataFrame
        The output of :func:`~sklimb.experiments.summarize`.
    out_dir : str or path-like
        Existing folder.

    Returns
    -------
    paths : list of pathlib.Path
        ``masked_zone_<dataset>.png`` / ``.svg`` and
        ``overall_error_<dataset>.png`` / ``.svg`` for each dataset.
    """
    out_dir = Path(out_dir)
    paths = []
    for dataset in dict.fromkeys(summary["dataset"]):
        figures = {
            f"masked_zone_{dataset}": plot_masked_zone_errors(summary, dataset),
            f"overall_error_{dataset}": plot_overall_error(summary, dataset),
        }
        for stem, fig in figures.items():
            for ext in ("png", "svg"):
                path = out_dir / f"{stem}.{ext}"
                atomic_write(
                    path,
                    lambda tmp, fig=fig, ext=ext: fig.savefig(tmp, dpi=130, format=ext),
                )
                paths.append(path)
    return paths
