"""Cost against overall error across alpha, from a search's ``cv_results_``."""

import numbers

import numpy as np

from ._base import _pyplot


def _short_name(param):
    return param.rsplit("__", 1)[-1]


def _find_alpha_param(param_names):
    found = [p for p in param_names if _short_name(p) == "alpha"]
    if len(found) != 1:
        raise ValueError(
            "Cannot tell which searched parameter is alpha: found "
            f"{found or 'none'} among {sorted(param_names)}; pass alpha_param."
        )
    return found[0]


def _distinct_index(values, value):
    """Position of ``value`` among ``values`` (arrays compared by content)."""
    for k, seen in enumerate(values):
        if np.array_equal(
            np.asarray(seen, dtype=object), np.asarray(value, dtype=object)
        ):
            return k
    values.append(value)
    return len(values) - 1


def _describe(param, values, k):
    value = values[k]
    if isinstance(value, (str, numbers.Number)) or value is None:
        return f"{_short_name(param)}={value}"
    if hasattr(value, "get_params"):  # an estimator, e.g. a pipeline step
        return f"{_short_name(param)}={type(value).__name__}"
    return f"{_short_name(param)} #{k + 1}"


class AlphaTradeoffDisplay:
    """Cost against overall error across the bilinear weight alpha.

    One line per penalty matrix (or other searched setting), one point per
    ``alpha``, with error bars of one standard deviation over the
    cross-validation folds. Build it from a search's ``cv_results_`` with
    :meth:`from_cv_results` or :func:`plot_alpha_tradeoff`.

    Parameters
    ----------
    alphas : list of ndarray of shape (n_alphas,)
        The ``alpha`` values of each line.

    costs : list of ndarray of shape (n_alphas,)
        Mean cost (or masked-zone error) of each point.

    errors : list of ndarray of shape (n_alphas,), default=None
        Mean overall error rate of each point; needed for ``x="error"``.

    costs_std : list of ndarray of shape (n_alphas,), default=None
        Standard deviation of the cost over the folds.

    errors_std : list of ndarray of shape (n_alphas,), default=None
        Standard deviation of the overall error over the folds.

    line_labels : list of str, default=None
        Legend label of each line.

    cost_name : str, default="cost"
        Name of the cost, for the axis label.

    Attributes
    ----------
    lines_ : list of matplotlib ErrorbarContainer
        One per line, in the order of ``alphas``.

    alpha_texts_ : list of matplotlib Text
        The ``alpha`` labels next to the points (``x="error"`` only).

    ax_ : matplotlib Axes
        Axes of the plot.

    figure_ : matplotlib Figure
        Figure of the plot.

    See Also
    --------
    plot_alpha_tradeoff : Draw this display from a search.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklimb.plotting import AlphaTradeoffDisplay
    >>> disp = AlphaTradeoffDisplay(
    ...     alphas=[np.array([0.0, 0.9])], costs=[np.array([0.05, 0.01])],
    ...     errors=[np.array([0.10, 0.12])]).plot()
    >>> disp.lines_[0].lines[0].get_ydata().tolist()
    [0.05, 0.01]
    """

    def __init__(
        self,
        alphas,
        costs,
        errors=None,
        *,
        costs_std=None,
        errors_std=None,
        line_labels=None,
        cost_name="cost",
    ):
        self.alphas = alphas
        self.costs = costs
        self.errors = errors
        self.costs_std = costs_std
        self.errors_std = errors_std
        self.line_labels = line_labels
        self.cost_name = cost_name

    def plot(self, *, x="error", ax=None, annotate_alpha=True, errorbar_kw=None):
        """Plot the trade-off.

        Parameters
        ----------
        x : {"error", "alpha"}, default="error"
            What the horizontal axis shows: the overall error rate (each point
            labelled with its ``alpha``) or ``alpha`` itself.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        annotate_alpha : bool, default=True
            With ``x="error"``, write each point's ``alpha`` next to it.

        errorbar_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.errorbar`.

        Returns
        -------
        display : AlphaTradeoffDisplay
            The display, with its artists as attributes.
        """
        if x not in ("error", "alpha"):
            raise ValueError(f'x must be "error" or "alpha", got {x!r}.')
        if x == "error" and self.errors is None:
            raise ValueError('x="error" needs the overall errors; got errors=None.')
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        n_lines = len(self.alphas)
        labels = self.line_labels or [None] * n_lines
        self.lines_, self.alpha_texts_ = [], []
        for k in range(n_lines):
            kw = {"marker": "o", "capsize": 3, "label": labels[k]}
            kw.update(errorbar_kw or {})
            yerr = None if self.costs_std is None else self.costs_std[k]
            if x == "alpha":
                line = ax.errorbar(self.alphas[k], self.costs[k], yerr=yerr, **kw)
            else:
                xerr = None if self.errors_std is None else self.errors_std[k]
                line = ax.errorbar(
                    self.errors[k], self.costs[k], xerr=xerr, yerr=yerr, **kw
                )
                if annotate_alpha:
                    points = zip(
                        self.alphas[k], self.errors[k], self.costs[k], strict=True
                    )
                    for a, e, c in points:
                        self.alpha_texts_.append(
                            ax.annotate(
                                f"α={a:g}",
                                (e, c),
                                textcoords="offset points",
                                xytext=(4, 4),
                                fontsize="x-small",
                                color=line.lines[0].get_color(),
                            )
                        )
            self.lines_.append(line)
        ax.set_xlabel("alpha" if x == "alpha" else "overall error rate")
        ax.set_ylabel(self.cost_name)
        if any(label is not None for label in labels):
            ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_cv_results(
        cls,
        cv_results,
        *,
        cost_metric=None,
        accuracy_metric="accuracy",
        alpha_param=None,
        cost_name=None,
        x="error",
        ax=None,
        **plot_kw,
    ):
        """Plot the trade-off from a search's ``cv_results_``.

        The cost of a point is the negated mean test score of ``cost_metric``
        (sklimb's scorers, :func:`~sklimb.metrics.make_cost_scorer` and
        :func:`~sklimb.metrics.make_masked_zone_scorer`, return the negated
        error), its overall error one minus the mean test score of
        ``accuracy_metric``. Points that share every other searched
        parameter form a line, labelled by the parameters that differ.

        Parameters
        ----------
        cv_results : dict or fitted search
            A search's ``cv_results_``, or the search itself, for instance a
            :class:`~sklearn.model_selection.GridSearchCV`.

        cost_metric : str, default=None
            Name of the cost scorer in a multi-metric search. None uses
            the single metric ``"score"``, or the one metric besides
            ``accuracy_metric``.

        accuracy_metric : str, default="accuracy"
            Name of an accuracy scorer in the search; needed for
            ``x="error"``.

        alpha_param : str, default=None
            Name of the searched alpha parameter, for instance
            ``"bilinearnetclassifier__alpha"``. None finds the one parameter
            named ``alpha`` or ending in ``__alpha``.

        cost_name : str, default=None
            Axis label of the cost; None uses ``cost_metric``.

        x : {"error", "alpha"}, default="error"
            What the horizontal axis shows.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        **plot_kw : dict
            Other keyword arguments of :meth:`plot`.

        Returns
        -------
        display : AlphaTradeoffDisplay
            The plotted display.
        """
        results = getattr(cv_results, "cv_results_", cv_results)
        metrics = [
            k[len("mean_test_") :] for k in results if k.startswith("mean_test_")
        ]
        if cost_metric is None:
            others = [m for m in metrics if m != accuracy_metric]
            if "score" in metrics:
                cost_metric = "score"
            elif len(others) == 1:
                cost_metric = others[0]
            else:
                raise ValueError(
                    f"Cannot tell which metric is the cost among {metrics}; "
                    "pass cost_metric."
                )
        if f"mean_test_{cost_metric}" not in results:
            raise ValueError(f"No metric {cost_metric!r} in cv_results; got {metrics}.")
        has_accuracy = f"mean_test_{accuracy_metric}" in results
        if x == "error" and not has_accuracy:
            raise ValueError(
                f"x='error' needs an accuracy scorer named {accuracy_metric!r} "
                f"in the search's scoring; its metrics are {metrics}. Add "
                f'"{accuracy_metric}": "accuracy" to scoring or use x="alpha".'
            )

        params = results["params"]
        names = sorted({name for p in params for name in p})
        if alpha_param is None:
            alpha_param = _find_alpha_param(names)
        missing = [i for i, p in enumerate(params) if alpha_param not in p]
        if missing:
            raise ValueError(
                f"{len(missing)} candidates of the search do not set {alpha_param!r}."
            )
        distinct = {name: [] for name in names if name != alpha_param}
        keys = [
            tuple(_distinct_index(distinct[n], p.get(n)) for n in distinct)
            for p in params
        ]
        varied = [k for k, n in enumerate(distinct) if len(distinct[n]) > 1]

        groups = {}
        for i, key in enumerate(keys):
            groups.setdefault(key, []).append(i)
        alphas, costs, costs_std, errors, errors_std, labels = [], [], [], [], [], []
        for key, rows in groups.items():
            rows = np.asarray(rows)
            rows = rows[np.argsort([params[i][alpha_param] for i in rows])]
            alphas.append(np.array([params[i][alpha_param] for i in rows], float))
            costs.append(-np.asarray(results[f"mean_test_{cost_metric}"])[rows])
            costs_std.append(np.asarray(results[f"std_test_{cost_metric}"])[rows])
            if has_accuracy:
                acc = np.asarray(results[f"mean_test_{accuracy_metric}"])[rows]
                errors.append(1.0 - acc)
                errors_std.append(
                    np.asarray(results[f"std_test_{accuracy_metric}"])[rows]
                )
            names_list = list(distinct)
            labels.append(
                ", ".join(
                    _describe(names_list[k], distinct[names_list[k]], key[k])
                    for k in varied
                )
                or None
            )
        display = cls(
            alphas,
            costs,
            errors if has_accuracy else None,
            costs_std=costs_std,
            errors_std=errors_std if has_accuracy else None,
            line_labels=labels if any(labels) else None,
            cost_name=cost_metric if cost_name is None else cost_name,
        )
        return display.plot(x=x, ax=ax, **plot_kw)


def plot_alpha_tradeoff(search, **kwargs):
    """Plot cost against overall error across alpha from a search.

    Shortcut for :meth:`AlphaTradeoffDisplay.from_cv_results`.

    Parameters
    ----------
    search : fitted search or dict
        A fitted :class:`~sklearn.model_selection.GridSearchCV` (or any
        search with ``cv_results_``), or its ``cv_results_``.

    **kwargs : dict
        Keyword arguments of :meth:`AlphaTradeoffDisplay.from_cv_results`.

    Returns
    -------
    display : AlphaTradeoffDisplay
        The plotted display.

    See Also
    --------
    AlphaTradeoffDisplay : The display this function builds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklimb.plotting import plot_alpha_tradeoff
    >>> cv_results = {
    ...     "params": [{"alpha": 0.0}, {"alpha": 0.9}],
    ...     "mean_test_cost": [-0.05, -0.01], "std_test_cost": [0.01, 0.01],
    ...     "mean_test_accuracy": [0.90, 0.88], "std_test_accuracy": [0.02, 0.02],
    ... }
    >>> disp = plot_alpha_tradeoff(cv_results)
    >>> disp.costs[0].tolist(), disp.errors[0].round(2).tolist()
    ([0.05, 0.01], [0.1, 0.12])
    """
    return AlphaTradeoffDisplay.from_cv_results(search, **kwargs)
