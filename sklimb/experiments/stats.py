"""Statistics of a sweep: means, t confidence intervals, paired reductions.

The paper reports each configuration's mean over repetitions with a 95%
confidence interval. Here the interval is Student's t interval across
repetitions, ``mean +/- t_{0.975, r-1} * sd / sqrt(r)`` with the sample
standard deviation (``ddof=1``). The effect of ``alpha`` is also measured
paired: within a repetition, the fit at ``alpha`` and the fit at
``alpha = 0`` share the mask and the seed, so their difference removes the
variation due to the mask.
"""

import numpy as np
from scipy import stats as _stats

from ._deps import require_pandas

__all__ = ["mean_ci", "paired_differences", "summarize"]

_GROUP = ["dataset", "loss", "mask_size", "alpha"]
#: Per-fit metrics summarised by :func:`summarize`.
METRICS = (
    "masked_zone_error",
    "masked_zone_count",
    "masked_zone_error_share",
    "overall_error",
)
#: Metrics compared with ``alpha = 0`` by :func:`summarize`.
PAIRED_METRICS = ("masked_zone_error", "masked_zone_count", "overall_error")


def mean_ci(values, confidence=0.95):
    """Mean and half-width of the Student t confidence interval of the mean.

    Parameters
    ----------
    values : array-like of shape (n,)
        Observations (e.g. one per repetition). NaN values are ignored.
    confidence : float, default=0.95
        Confidence level in (0, 1).

    Returns
    -------
    mean : float
        NaN when there is no observation.
    half_width : float
        ``t.ppf((1 + confidence) / 2, n - 1) * sd / sqrt(n)`` with ``sd`` the
        sample standard deviation; NaN when ``n < 2``.

    Examples
    --------
    >>> from sklimb.experiments import mean_ci
    >>> mean, half = mean_ci([1.0, 2.0, 3.0])
    >>> float(mean), round(float(half), 4)  # t(0.975, 2) * 1 / sqrt(3)
    (2.0, 2.4841)
    >>> mean_ci([5.0])
    (5.0, nan)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}.")
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return float("nan"), float("nan")
    mean = float(x.mean())
    if n < 2:
        return mean, float("nan")
    sem = float(x.std(ddof=1)) / np.sqrt(n)
    return mean, float(_stats.t.ppf((1 + confidence) / 2, n - 1) * sem)


def paired_differences(results, metric="masked_zone_error", baseline_alpha=0.0):
    """Per-repetition difference of a metric between ``alpha`` and the baseline.

    Parameters
    ----------
    results : DataFrame or list of dict
        One row per fit with the columns ``dataset``, ``loss``,
        ``mask_size``, ``alpha``, ``rep`` and ``metric``.
    metric : str, default="masked_zone_error"
        Column to compare.
    baseline_alpha : float, default=0.0
        The reference ``alpha`` (cross-entropy).

    Returns
    -------
    diffs : DataFrame
        Columns ``dataset``, ``loss``, ``mask_size``, ``alpha``, ``rep``,
        ``value``, ``baseline`` and ``diff = value - baseline``, for every
        fit whose repetition also has a baseline fit. Negative ``diff`` means
        fewer errors than the baseline.

    Examples
    --------
    >>> from sklimb.experiments import paired_differences
    >>> rows = [
    ...     {"dataset": "d", "loss": "bilinear", "mask_size": 10, "alpha": a,
    ...      "rep": r, "masked_zone_error": e}
    ...     for a, r, e in [(0, 0, 0.04), (0.5, 0, 0.01), (0, 1, 0.02),
    ...                     (0.5, 1, 0.02)]
    ... ]
    >>> diffs = paired_differences(rows)
    >>> diffs[["alpha", "rep", "diff"]].round(3)
       alpha  rep  diff
    0    0.0    0  0.00
    1    0.0    1  0.00
    2    0.5    0 -0.03
    3    0.5    1  0.00
    """
    pd = require_pandas()
    df = pd.DataFrame(results)
    keys = ["dataset", "loss", "mask_size", "rep"]
    base = df.loc[np.isclose(df["alpha"].astype(float), baseline_alpha)]
    base = base[keys + [metric]].rename(columns={metric: "baseline"})
    merged = df[keys + ["alpha", metric]].merge(base, on=keys, how="inner")
    merged = merged.rename(columns={metric: "value"})
    merged["diff"] = merged["value"] - merged["baseline"]
    order = ["dataset", "loss", "mask_size", "alpha", "rep"]
    merged = merged.sort_values(order, kind="stable").reset_index(drop=True)
    return merged[order + ["value", "baseline", "diff"]]


def ci_suffix(summary):
    """Suffix of a summary's interval columns, e.g. ``"_ci95"``.

    Parameters
    ----------
    summary : DataFrame
        The output of :func:`summarize`.

    Returns
    -------
    suffix : str
    """
    cols = [c for c in summary.columns if c.startswith("overall_error_ci")]
    return cols[0][len("overall_error") :] if cols else "_ci95"


def summarize(results, confidence=0.95, baseline_alpha=0.0):
    """Summary table of a sweep: one row per (dataset, loss, n, alpha).

    Parameters
    ----------
    results : DataFrame or list of dict
        One row per fit (the rows of ``results.jsonl``).
    confidence : float, default=0.95
        Level of the t intervals; the column suffix is ``_ci95`` for 0.95.
    baseline_alpha : float, default=0.0
        The ``alpha`` the paired differences are taken against.

    Returns
    -------
    summary : DataFrame
        ``dataset``, ``loss``, ``mask_size``, ``alpha``, ``reps``; for each of
        ``masked_zone_error`` (share of test samples in the masked zone),
        ``masked_zone_count`` (their number), ``masked_zone_error_share``
        (share of the errors that are in the masked zone) and
        ``overall_error``: ``<metric>_mean`` and ``<metric>_ci95`` (interval
        half-width). Then, paired with the baseline fit of the same
        repetition, for ``masked_zone_error``, ``masked_zone_count`` and
        ``overall_error``: ``<metric>_diff_mean``, ``<metric>_diff_ci95``
        (mean and half-width of ``value - baseline``) and
        ``<metric>_diff_pvalue`` (two-sided paired t-test), plus
        ``masked_zone_reduction`` = ``-diff_mean / baseline mean`` (the
        relative reduction of masked-zone errors; 0.6 means 60% fewer) and
        ``n_pairs``.

    Examples
    --------
    >>> from sklimb.experiments import summarize
    >>> rows = [
    ...     {"dataset": "d", "loss": "bilinear", "mask_size": 10, "alpha": a,
    ...      "rep": r, "masked_zone_error": m, "masked_zone_count": 100 * m,
    ...      "masked_zone_error_share": m, "overall_error": 0.05}
    ...     for a, r, m in [(0, 0, 0.04), (0.5, 0, 0.01), (0, 1, 0.02),
    ...                     (0.5, 1, 0.02)]
    ... ]
    >>> table = summarize(rows)
    >>> table[["alpha", "masked_zone_count_mean", "masked_zone_reduction"]]
       alpha  masked_zone_count_mean  masked_zone_reduction
    0    0.0                     3.0                    0.0
    1    0.5                     1.5                    0.5
    """
    pd = require_pandas()
    df = pd.DataFrame(results)
    if df.empty:
        raise ValueError("results holds no fit to summarise.")
    missing = [c for c in [*_GROUP, "rep", *METRICS] if c not in df.columns]
    if missing:
        raise ValueError(f"results lacks the columns {missing}.")
    df["alpha"] = df["alpha"].astype(float)
    suffix = f"_ci{round(100 * confidence):d}"

    records = []
    for key, group in df.groupby(_GROUP, sort=True):
        record = dict(zip(_GROUP, key, strict=True))
        record["reps"] = int(group["rep"].nunique())
        for metric in METRICS:
            mean, half = mean_ci(group[metric], confidence)
            record[f"{metric}_mean"] = mean
            record[f"{metric}{suffix}"] = half
        records.append(record)
    summary = pd.DataFrame.from_records(records)

    for metric in PAIRED_METRICS:
        diffs = paired_differences(df, metric, baseline_alpha)
        paired = []
        for key, group in diffs.groupby(_GROUP, sort=True):
            mean, half = mean_ci(group["diff"], confidence)
            record = dict(zip(_GROUP, key, strict=True))
            record[f"{metric}_diff_mean"] = mean
            record[f"{metric}_diff{suffix}"] = half
            record[f"{metric}_diff_pvalue"] = _paired_pvalue(group["diff"])
            if metric == "masked_zone_error":
                base = float(group["baseline"].mean())
                # (+ 0.0 turns the -0.0 of a zero difference into 0.0)
                record["masked_zone_reduction"] = -mean / base + 0.0 if base else np.nan
                record["n_pairs"] = len(group)
            paired.append(record)
        columns = [
            *_GROUP,
            f"{metric}_diff_mean",
            f"{metric}_diff{suffix}",
            f"{metric}_diff_pvalue",
        ]
        if metric == "masked_zone_error":
            columns += ["masked_zone_reduction", "n_pairs"]
        paired = pd.DataFrame.from_records(paired, columns=columns)
        summary = summary.merge(paired, on=_GROUP, how="left")
    summary["n_pairs"] = summary["n_pairs"].fillna(0).astype(int)
    return summary


def _paired_pvalue(diffs):
    """Two-sided one-sample t-test of the paired differences against 0."""
    d = np.asarray(diffs, dtype=np.float64)
    d = d[~np.isnan(d)]
    if d.size < 2:
        return float("nan")
    if np.all(d == d[0]):  # no spread: the t statistic is 0 or infinite
        return 1.0 if d[0] == 0 else 0.0
    return float(_stats.ttest_1samp(d, 0.0).pvalue)
