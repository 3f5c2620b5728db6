"""Hyperparameter searches that train compatible networks together.

:class:`BatchedGridSearchCV` and :class:`BatchedRandomizedSearchCV` are
scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` and
:class:`~sklearn.model_selection.RandomizedSearchCV` (subclasses, with the
same parameters and attributes) that, within each cross-validation fold,
train the candidates whose sklimb networks differ only in per-network
parameters (``alpha``, ``penalty_matrix``, ``class_weight``, ``lr``,
``random_state``, ...; see :data:`sklimb._batched.PER_NETWORK`) as one
batched fit. The estimator may be a sklimb net or a scikit-learn /
imbalanced-learn :class:`~sklearn.pipeline.Pipeline` ending in one; the steps
before the net are then fitted once per fold and group of candidates and
shared by the group.
"""

import inspect
import time
import traceback
import warnings
from collections import defaultdict

from sklearn.base import _fit_context, clone, is_classifier
from sklearn.metrics._scorer import _MultimetricScorer
from sklearn.model_selection import (
    GridSearchCV,
    ParameterGrid,
    ParameterSampler,
    RandomizedSearchCV,
    check_cv,
)
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _score,
    _warn_or_raise_about_fit_failures,
)
from sklearn.pipeline import Pipeline
from sklearn.utils import indexable
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _check_method_params, _num_samples

from ._batched import (
    BatchedFallbackWarning,
    _same,
    _unbatchable_reason,
    fit_batched_each,
    group_estimators,
)
from .classifier import CostSensitiveNetClassifier

__all__ = [
    "BatchedFallbackWarning",
    "BatchedGridSearchCV",
    "BatchedRandomizedSearchCV",
]

# fit parameters a batched fit of bare nets passes on to every net.
_NET_FIT_PARAMS = frozenset({"sample_weight", "sample_cost"})
_FIT_AND_SCORE_PARAMS = frozenset(inspect.signature(_fit_and_score).parameters)


def _split_net(estimator, params):
    """The candidate's net, and the parameters that shape the steps before it.

    Returns ``(net, pre_params)``, ``pre_params`` None for a bare net, or
    ``(None, reason)`` when the candidate cannot join a batched fit.
    """
    if isinstance(estimator, CostSensitiveNetClassifier):
        return estimator, None
    if not isinstance(estimator, Pipeline):
        return (
            None,
            f"{type(estimator).__name__} is neither a sklimb net nor a Pipeline",
        )
    name, net = estimator.steps[-1]
    if not isinstance(net, CostSensitiveNetClassifier):
        return None, "a Pipeline whose last step is not a sklimb net"
    if getattr(estimator, "transform_input", None) is not None:
        return None, "a Pipeline with transform_input"
    pre = {}
    for key, value in params.items():
        if key.startswith(name + "__"):
            continue
        if key in (name, "steps"):
            return None, f"a search over {key!r}"
        pre[key] = value
    return net, pre


def _is_imblearn(pipe):
    return type(pipe).__module__.startswith("imblearn")


def _fit_pre_steps(pipe, X, y):
    """Fit the steps before the last one, as the pipeline's own fit would."""
    resample = _is_imblearn(pipe)
    for _, step in pipe.steps[:-1]:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if resample and hasattr(step, "fit_resample"):
            X, y = step.fit_resample(X, y)
        elif hasattr(step, "fit_transform"):
            X = step.fit_transform(X, y)
        else:
            X = step.fit(X, y).transform(X)
    return X, y


def _error_scores(scorer, error_score):
    if isinstance(scorer, _MultimetricScorer):
        return {name: error_score for name in scorer._scorers}
    return error_score


def _fit_and_score_group(
    estimators,
    X,
    y,
    *,
    splits,
    scorer,
    fit_params,
    score_params,
    return_train_score,
    error_score,
):
    """Fit candidates on every fold as one batched fit, then score each.

    ``estimators[s]`` are the candidates' estimators for fold ``splits[s]``
    (a ``(train, test)`` pair). Returns, for each fold, one result dict per
    estimator, as :func:`sklearn.model_selection._validation._fit_and_score`
    makes them (``fit_time`` is the group's fit time shared equally).
    """
    start = time.time()
    fit_params = fit_params or {}
    score_params = score_params or {}
    folds, nets, data, errors = [], [], [], []
    for ests, (train, test) in zip(estimators, splits, strict=True):
        first = ests[0]
        fold = {
            "X_train": _safe_split(first, X, y, train),
            "X_test": _safe_split(first, X, y, test, train),
            "score_train": _check_method_params(X, params=score_params, indices=train),
            "score_test": _check_method_params(X, params=score_params, indices=test),
        }
        folds.append(fold)
        X_train, y_train = fold["X_train"]
        params = _check_method_params(X, params=fit_params, indices=train)
        weights = (params.get("sample_weight"), params.get("sample_cost"))
        try:
            if isinstance(first, Pipeline):
                # The steps before the net: fitted once per fold, shared.
                X_train, y_train = _fit_pre_steps(first, X_train, y_train)
                for est in ests[1:]:
                    est.steps = list(first.steps[:-1]) + [est.steps[-1]]
                fold_nets = [est.steps[-1][1] for est in ests]
            else:
                fold_nets = list(ests)
            error = None
        except Exception as exc:  # noqa: BLE001 - reported as the fits' error
            fold_nets, error = [None] * len(ests), exc
        for net in fold_nets:
            nets.append(net)
            data.append((X_train, y_train, *weights))
            errors.append(error)
    todo = [i for i, net in enumerate(nets) if net is not None]
    found = fit_batched_each(
        [nets[i] for i in todo], [data[i] for i in todo], raise_errors=False
    )
    for i, error in zip(todo, found, strict=True):
        errors[i] = error
    fit_time = (time.time() - start) / len(nets)
    results, errors = [], iter(errors)
    for ests, fold in zip(estimators, folds, strict=True):
        results.append(
            [
                _score_fitted(
                    est,
                    next(errors),
                    fold,
                    fit_time,
                    scorer=scorer,
                    return_train_score=return_train_score,
                    error_score=error_score,
                )
                for est in ests
            ]
        )
    return results


def _score_fitted(
    est, error, fold, fit_time, *, scorer, return_train_score, error_score
):
    """One result dict of :func:`_fit_and_score_group`."""
    X_train, y_train = fold["X_train"]
    X_test, y_test = fold["X_test"]
    result = {}
    if error is not None:
        if error_score == "raise":
            raise error
        result["fit_error"] = "".join(
            traceback.format_exception(type(error), error, error.__traceback__)
        )
        test_scores = _error_scores(scorer, error_score)
        train_scores = _error_scores(scorer, error_score)
        score_time = 0.0
    else:
        result["fit_error"] = None
        score_start = time.time()
        test_scores = _score(
            est, X_test, y_test, scorer, fold["score_test"], error_score
        )
        score_time = time.time() - score_start
        if return_train_score:
            train_scores = _score(
                est, X_train, y_train, scorer, fold["score_train"], error_score
            )
    result["test_scores"] = test_scores
    if return_train_score:
        result["train_scores"] = train_scores
    result["n_test_samples"] = _num_samples(X_test)
    result["fit_time"] = fit_time
    result["score_time"] = score_time
    return result


def _fit_and_score_single(estimator, X, y, *, caller, **kwargs):
    if "caller" in _FIT_AND_SCORE_PARAMS:
        kwargs["caller"] = caller
    return [_fit_and_score(estimator, X, y, **kwargs)]


class _BatchedSearchMixin:
    """``fit`` of scikit-learn's searches, with candidates trained in groups."""

    def _plan(self, base_estimator, candidate_params, n_splits, fit_params):
        """Tasks ``(split, [candidate indices], batched)`` and fallback reasons."""
        nets, pre, reasons = {}, {}, {}
        for c, params in enumerate(candidate_params):
            est = clone(base_estimator).set_params(**clone(params, safe=False))
            net, pre_params = _split_net(est, params)
            if net is None:
                reasons[c] = pre_params
                continue
            extra = set(fit_params) - (_NET_FIT_PARAMS if pre_params is None else set())
            if extra:
                reasons[c] = f"fit parameters {sorted(extra)}"
                continue
            reason = _unbatchable_reason(net)
            if reason is not None:
                reasons[c] = reason
                continue
            nets[c], pre[c] = net, pre_params
        # Candidates with the same steps before the net, then nets that share
        # a batched fit.
        by_pre = []
        for c in nets:
            for members in by_pre:
                p0 = pre[members[0]]
                if (p0 is None and pre[c] is None) or (
                    p0 is not None
                    and pre[c] is not None
                    and p0.keys() == pre[c].keys()
                    and all(_same(p0[k], pre[c][k]) for k in p0)
                ):
                    members.append(c)
                    break
            else:
                by_pre.append([c])
        groups = []
        for members in by_pre:
            found, _ = group_estimators([nets[c] for c in members])
            groups += [[members[i] for i in g] for g in found]
        batched = [g for g in groups if len(g) > 1]
        alone = sorted(
            set(range(len(candidate_params))) - {c for g in batched for c in g}
        )
        # A batched group trains its candidates on every fold at once.
        tasks = [(None, g, True) for g in batched] + [
            (s, [c], False) for c in alone for s in range(n_splits)
        ]
        return tasks, reasons

    # As in scikit-learn's search: validates the parameters first.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **params):
        """Run fit with all sets of parameters, training networks in groups.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training vectors.
        y : array-like of shape (n_samples,), default=None
            Target relative to X.
        **params : dict of str -> object
            Parameters passed to the ``fit`` method of the estimator, the
            scorer and the CV splitter, as in
            :meth:`sklearn.model_selection.GridSearchCV.fit`.

        Returns
        -------
        self : object
            Instance of fitted estimator.
        """
        scorers, refit_metric = self._get_scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed_params = self._get_routed_params_for_fit(params)
        split_params = routed_params.splitter.split
        self._checked_cv_orig = cv = check_cv(
            self.cv, y, classifier=is_classifier(self.estimator)
        )
        if hasattr(self, "_check_input_parameters"):
            self._check_input_parameters(X=X, y=y, split_params=split_params)
        n_splits = self.n_splits_ = cv.get_n_splits(X, y, **split_params)
        base_estimator = clone(self.estimator)
        fit_params = routed_params.estimator.fit
        common = {
            "scorer": scorers,
            "fit_params": fit_params,
            "score_params": routed_params.scorer.score,
            "return_train_score": self.return_train_score,
            "error_score": self.error_score,
        }
        single_kwargs = dict(
            common,
            return_n_test_samples=True,
            return_times=True,
            return_parameters=False,
            verbose=self.verbose,
        )

        candidate_params = list(self._candidates())
        n_candidates = len(candidate_params)
        cv_splits = list(cv.split(X, y, **split_params))
        if len(cv_splits) != n_splits:
            raise ValueError(
                "cv.split and cv.get_n_splits return inconsistent results. "
                f"Expected {n_splits} splits, got {len(cv_splits)}"
            )
        tasks, reasons = self._plan(
            base_estimator, candidate_params, n_splits, fit_params
        )
        if reasons:
            warnings.warn(
                f"{len(reasons)} of {n_candidates} candidates were fitted one at a "
                "time, as GridSearchCV would: "
                f"{'; '.join(sorted(set(reasons.values())))}.",
                BatchedFallbackWarning,
                stacklevel=2,
            )
        if self.verbose > 0:
            n_groups = sum(batched for _, _, batched in tasks)
            print(
                f"Fitting {n_splits} folds for each of {n_candidates} candidates, "
                f"totalling {n_candidates * n_splits} fits in {len(tasks)} tasks "
                f"({n_groups} batched)"
            )

        def candidates(members):
            return [
                clone(base_estimator).set_params(
                    **clone(candidate_params[c], safe=False)
                )
                for c in members
            ]

        def task(split, members, batched):
            if batched:
                return delayed(_fit_and_score_group)(
                    [candidates(members) for _ in cv_splits],
                    X,
                    y,
                    splits=cv_splits,
                    **common,
                )
            train, test = cv_splits[split]
            return delayed(_fit_and_score_single)(
                clone(base_estimator),
                X,
                y,
                caller=self,
                train=train,
                test=test,
                parameters=candidate_params[members[0]],
                split_progress=(split, n_splits),
                candidate_progress=(members[0], n_candidates),
                **single_kwargs,
            )

        parallel = Parallel(n_jobs=self.n_jobs, pre_dispatch=self.pre_dispatch)
        outputs = parallel(task(*t) for t in tasks)
        out = [None] * (n_candidates * n_splits)
        for (split, members, batched), results in zip(tasks, outputs, strict=True):
            folds = range(n_splits) if batched else [split]
            per_fold = results if batched else [results]
            for s, fold in zip(folds, per_fold, strict=True):
                for c, result in zip(members, fold, strict=True):
                    out[c * n_splits + s] = result
        if len(out) < 1:
            raise ValueError(
                "No fits were performed. Was the CV iterator empty? "
                "Were there no candidates?"
            )
        _warn_or_raise_about_fit_failures(out, self.error_score)
        if callable(self.scoring):
            _insert_error_scores(out, self.error_score)
        results = self._format_results(
            candidate_params, n_splits, out, defaultdict(list)
        )

        first_test_score = out[0]["test_scores"]
        self.multimetric_ = isinstance(first_test_score, dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(first_test_score)
            refit_metric = self.refit

        if self.refit or not self.multimetric_:
            self.best_index_ = self._select_best_index(
                self.refit, refit_metric, results
            )
            if not callable(self.refit):
                self.best_score_ = results[f"mean_test_{refit_metric}"][
                    self.best_index_
                ]
            self.best_params_ = results["params"][self.best_index_]

        if self.refit:
            self.best_estimator_ = clone(base_estimator).set_params(
                **clone(self.best_params_, safe=False)
            )
            refit_start_time = time.time()
            if y is not None:
                self.best_estimator_.fit(X, y, **fit_params)
            else:
                self.best_estimator_.fit(X, **fit_params)
            self.refit_time_ = time.time() - refit_start_time
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_

        if isinstance(scorers, _MultimetricScorer):
            self.scorer_ = scorers._scorers
        else:
            self.scorer_ = scorers
        self.cv_results_ = results
        return self


_DOC_TAIL = """
    Notes
    -----
    Within each fold, candidates whose estimators differ only in parameters
    that batched training keeps per network (``alpha``, ``penalty_matrix``,
    ``class_weight``, ``lr``, ``random_state``, ...) are trained as one
    batched fit (:func:`torch.func.vmap` over stacked networks); the others,
    and candidates that batched training cannot handle (early stopping, user
    callbacks, LBFGS, a callable loss, ...), are fitted one at a time exactly
    as the scikit-learn search would, with one
    :class:`BatchedFallbackWarning`. With the same seeds, ``cv_results_``
    equals the scikit-learn search's up to float rounding (and only in
    distribution for networks with dropout). ``fit_time`` of a batched
    candidate is its group's fit time divided by the group's size.

    Candidates are evaluated in one pass: scikit-learn's experimental search
    callbacks are not called.
"""


class BatchedGridSearchCV(_BatchedSearchMixin, GridSearchCV):
    __doc__ = (
        """Exhaustive search over a grid, training compatible networks together.

    A drop-in replacement for :class:`sklearn.model_selection.GridSearchCV`:
    same parameters, attributes and methods.

    Parameters
    ----------
    estimator : estimator object
        A sklimb net, or a scikit-learn or imbalanced-learn
        :class:`~sklearn.pipeline.Pipeline` ending in one.
    param_grid : dict or list of dicts
        Parameter names mapped to lists of values to try, as in
        :class:`~sklearn.model_selection.GridSearchCV`.
    scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, \
return_train_score : object
        As in :class:`~sklearn.model_selection.GridSearchCV`; ``n_jobs``
        runs groups of candidates (and single candidates) in parallel.

    Attributes
    ----------
    cv_results_, best_estimator_, best_score_, best_params_, best_index_, \
scorer_, n_splits_, refit_time_, multimetric_
        As in :class:`~sklearn.model_selection.GridSearchCV`.

    See Also
    --------
    BatchedRandomizedSearchCV : The randomized search, batched the same way.
"""
        + _DOC_TAIL
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklimb import BilinearNetClassifier
    >>> from sklimb.model_selection import BatchedGridSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> net = BilinearNetClassifier(max_epochs=5, random_state=0)
    >>> search = BatchedGridSearchCV(net, {"alpha": [0.0, 0.5, 0.9]}, cv=3)
    >>> search.fit(X, y).cv_results_["mean_test_score"].shape
    (3,)
"""
    )

    def _candidates(self):
        return ParameterGrid(self.param_grid)


class BatchedRandomizedSearchCV(_BatchedSearchMixin, RandomizedSearchCV):
    __doc__ = (
        """Randomized search, training compatible networks together.

    A drop-in replacement for
    :class:`sklearn.model_selection.RandomizedSearchCV`: same parameters,
    attributes and methods; the same ``random_state`` samples the same
    candidates.

    Parameters
    ----------
    estimator : estimator object
        A sklimb net, or a scikit-learn or imbalanced-learn
        :class:`~sklearn.pipeline.Pipeline` ending in one.
    param_distributions : dict or list of dicts
        Parameter names mapped to distributions or lists of values to sample,
        as in :class:`~sklearn.model_selection.RandomizedSearchCV`.
    n_iter, scoring, n_jobs, refit, cv, verbose, pre_dispatch, random_state, \
error_score, return_train_score : object
        As in :class:`~sklearn.model_selection.RandomizedSearchCV`.

    Attributes
    ----------
    cv_results_, best_estimator_, best_score_, best_params_, best_index_, \
scorer_, n_splits_, refit_time_, multimetric_
        As in :class:`~sklearn.model_selection.RandomizedSearchCV`.

    See Also
    --------
    BatchedGridSearchCV : The exhaustive search, batched the same way.
"""
        + _DOC_TAIL
    )

    def _candidates(self):
        return ParameterSampler(
            self.param_distributions, self.n_iter, random_state=self.random_state
        )
