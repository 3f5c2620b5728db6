"""Readable reports of a sweep summary: a Markdown page and a console screen."""

import math

from ._deps import require_pandas
from .grid import LOSS_LABELS as _LOSS_NAMES
from .stats import ci_suffix as _ci_suffix

__all__ = ["console_summary", "summary_markdown"]


def _num(x, digits=1):
    return "n/a" if x is None or math.isnan(x) else f"{x:.{digits}f}"


def _pm(mean, half, digits=1, scale=1.0, sign=""):
    """``mean ± half`` (the half-width left out when it is NaN); ``sign="+"``
    writes the sign of positive means too."""
    if math.isnan(mean):
        return "n/a"
    text = f"{scale * mean:{sign}.{digits}f}"
    if not math.isnan(half):
        text += f" ± {scale * half:.{digits}f}"
    return text


def _alpha(a):
    return f"{a:g}"


def summary_markdown(summary, title="Masked-zone experiments"):
    """Markdown tables of a summary, one per (dataset, loss).

    Parameters
    ----------
    summary : DataFrame
        The output of :func:`~sklimb.experiments.summarize`.
    title : str, default="Masked-zone experiments"
        Top-level heading.

    Returns
    -------
    text : str
        Markdown: for each (dataset, loss), a table with the masked-zone
        test errors (count and percent of test samples, mean ± CI half-width),
        the share of errors in the masked zone, the paired change vs
        ``alpha = 0`` and the overall test error.

    Examples
    --------
    >>> from sklimb.experiments import summarize, summary_markdown
    >>> rows = [
    ...     {"dataset": "d", "loss": "bilinear", "mask_size": 10, "alpha": a,
    ...      "rep": r, "masked_zone_error": m, "masked_zone_count": 100 * m,
    ...      "masked_zone_error_share": m, "overall_error": 0.05}
    ...     for a, r, m in [(0, 0, 0.04), (0.5, 0, 0.01), (0, 1, 0.02),
    ...                     (0.5, 1, 0.02)]
    ... ]
    >>> print(summary_markdown(summarize(rows)).splitlines()[2])
    ## d, bilinear loss
    """
    pd = require_pandas()
    suffix = _ci_suffix(summary)
    level = suffix[len("_ci") :]
    lines = [f"# {title}", ""]
    for (dataset, loss), table in summary.groupby(["dataset", "loss"], sort=False):
        reps = sorted(set(table["reps"]))
        reps_text = str(reps[0]) if len(reps) == 1 else f"{reps[0]}–{reps[-1]}"
        lines += [
            f"## {dataset}, {_LOSS_NAMES.get(loss, loss)}",
            "",
            f"Mean ± {level}% t-interval half-width over {reps_text} repetitions. "
            "Masked-zone errors: test samples whose (true, predicted) cell is in "
            "the mask. Changes are paired with the α = 0 (cross-entropy) fit of "
            "the same mask and seed; p: paired t-test.",
            "",
        ]
        records = []
        for row in table.sort_values(["mask_size", "alpha"]).itertuples(index=False):
            row = row._asdict()
            baseline = row["alpha"] == 0
            records.append(
                {
                    "n": row["mask_size"],
                    "α": _alpha(row["alpha"]),
                    "masked-zone errors": _pm(
                        row["masked_zone_count_mean"],
                        row[f"masked_zone_count{suffix}"],
                    ),
                    "masked-zone error (%)": _pm(
                        row["masked_zone_error_mean"],
                        row[f"masked_zone_error{suffix}"],
                        digits=2,
                        scale=100,
                    ),
                    "share of errors in zone (%)": _pm(
                        row["masked_zone_error_share_mean"],
                        row[f"masked_zone_error_share{suffix}"],
                        digits=0,
                        scale=100,
                    ),
                    "masked-zone change vs α=0": "baseline"
                    if baseline
                    else _change(row),
                    "overall error (%)": _pm(
                        row["overall_error_mean"],
                        row[f"overall_error{suffix}"],
                        digits=2,
                        scale=100,
                    ),
                    "overall change vs α=0 (pp)": "baseline"
                    if baseline
                    else _pm(
                        row["overall_error_diff_mean"],
                        row[f"overall_error_diff{suffix}"],
                        digits=2,
                        scale=100,
                        sign="+",
                    ),
                }
            )
        frame = pd.DataFrame.from_records(records)
        lines += [frame.to_markdown(index=False, disable_numparse=True), ""]
    return "\n".join(lines)


def _change(row):
    reduction = row.get("masked_zone_reduction", float("nan"))
    if reduction is None or math.isnan(reduction):
        return "n/a"
    text = f"{-100 * reduction + 0.0:+.0f}%"
    p = row.get("masked_zone_error_diff_pvalue", float("nan"))
    if not math.isnan(p):
        text += f" (p={p:.2g})"
    return text


def console_summary(summary, *, width=13):
    """A one-screen text summary: masked-zone errors by alpha and mask size.

    Parameters
    ----------
    summary : DataFrame
        The output of :func:`~sklimb.experiments.summarize`.
    width : int, default=13
        Width of each mask-size column.

    Returns
    -------
    text : str
        For each (dataset, loss), a block with one line per ``alpha``: the
        mean number of masked-zone test errors for each mask size with its
        relative change vs ``alpha = 0`` in parentheses, and the overall test
        error averaged over the mask sizes.

    Examples
    --------
    >>> from sklimb.experiments import console_summary, summarize
    >>> rows = [
    ...     {"dataset": "d", "loss": "bilinear", "mask_size": 10, "alpha": a,
    ...      "rep": r, "masked_zone_error": m, "masked_zone_count": 100 * m,
    ...      "masked_zone_error_share": m, "overall_error": 0.05}
    ...     for a, r, m in [(0, 0, 0.04), (0.5, 0, 0.01), (0, 1, 0.02),
    ...                     (0.5, 1, 0.02)]
    ... ]
    >>> print(console_summary(summarize(rows)))  # doctest: +NORMALIZE_WHITESPACE
    d, bilinear loss: masked-zone test errors, mean of 2 reps (change vs alpha=0)
      alpha         n=10  overall error
      0              3.0          5.00%
      0.5      1.5 (-50%)         5.00%
    """
    blocks = []
    for (dataset, loss), table in summary.groupby(["dataset", "loss"], sort=False):
        sizes = sorted(table["mask_size"].unique())
        reps = int(table["reps"].min())
        header = (
            f"{dataset}, {_LOSS_NAMES.get(loss, loss)}: masked-zone test errors, "
            f"mean of {reps} reps (change vs alpha=0)"
        )
        columns = "  alpha " + "".join(f"{f'n={n}':>{width}}" for n in sizes)
        lines = [header, columns + f"{'overall error':>15}"]
        for alpha, by_alpha in table.groupby("alpha", sort=True):
            cells = []
            for n in sizes:
                match = by_alpha[by_alpha["mask_size"] == n]
                if match.empty:
                    cells.append(f"{'-':>{width}}")
                    continue
                row = match.iloc[0]
                text = _num(row["masked_zone_count_mean"])
                reduction = row.get("masked_zone_reduction", float("nan"))
                if alpha != 0 and not math.isnan(reduction):
                    text += f" ({-100 * reduction + 0.0:+.0f}%)"
                cells.append(f"{text:>{width}}")
            overall = 100 * by_alpha["overall_error_mean"].mean()
            lines.append(
                f"  {_alpha(alpha):<6}" + "".join(cells) + f"{overall:>14.2f}%"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
