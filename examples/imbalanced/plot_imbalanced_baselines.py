"""
Imbalanced-learning baselines on long-tailed Fashion-MNIST
==========================================================

A long-tailed training set keeps fewer and fewer samples of each successive
class (here the head class has ``imbalance_ratio`` times more samples than
the tail class) while the test set stays balanced, the protocol of the
long-tailed CIFAR benchmarks (Cui et al. 2019; Cao et al. 2019). On such
data a network trained with plain cross-entropy (CE) favours the head
classes. This example compares, in one imbalanced-learn
:class:`~imblearn.pipeline.Pipeline` searched by
:class:`~sklearn.model_selection.GridSearchCV`, the usual remedies:

- re-sampling the training set: random over-sampling, random
  under-sampling and SMOTE, followed by CE;
- re-weighting the loss: class-weighted CE, the focal loss, the
  class-balanced focal loss, the LDAM loss and deferred re-weighting (DRW,
  :class:`~sklimb.callbacks.DeferredReweighting`) on CE and LDAM;
- cost-sensitive learning and decisions: the bilinear loss with a cost
  matrix, and the Bayes decision of
  :class:`~sklimb.decision.MinimumRiskClassifier` on top of plain CE.

The cost matrix charges an error on true class :math:`i` in inverse
proportion to its training frequency, :math:`C_{ij} = w_i` for
:math:`i \\neq j` with :math:`w_i \\propto 1/n_i` and mean 1 over the classes,
so that a classifier with the same error rate :math:`e` on every class has a
cost-weighted error of :math:`e` on the balanced test set. Under this cost
the minimum-risk decision :math:`\\arg\\min_j \\sum_i p(i|x) C_{ij}` is
:math:`\\arg\\max_j p(j|x) / n_j`: the network's posterior re-balanced to
uniform class priors.

We report balanced accuracy (on a balanced test set, 1 minus the top-1
error), macro-F1, the geometric mean of the per-class recalls, the
cost-weighted error and every per-class recall, as means over repetitions
with 95% t-intervals. A last section trains on balanced data with and
without :class:`~sklimb.callbacks.LearnabilityReweighting` and compares the
variance of the per-class true-positive rates on the test set.

With the environment variable ``SKLIMB_QUICK=1`` the example runs a reduced
version on scikit-learn's digits in under 20 seconds on two CPU cores. With
``SKLIMB_BASELINES_DIR`` set to a folder, the tables (Markdown and CSV) and
the figures (PNG) are written there.
"""

# Authors: The sklimb developers
# License: BSD-3-Clause

# %%
# Settings
# --------
# The full run makes the whole Fashion-MNIST training set long-tailed (6000
# images of the head class) and trains a one-hidden-layer MLP for
# ``MAX_EPOCHS`` epochs, five times, on a CPU. The quick run uses the 8x8
# digits. When the Fashion-MNIST files are absent, digits are used. Each fit
# runs on one CPU thread: these small networks gain nothing from more, and
# competing threads on a busy machine can stall a fit for a minute.
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from scipy import stats
from sklearn.metrics import (
    balanced_accuracy_score,
    make_scorer,
    recall_score,
)
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklimb import CostSensitiveNetClassifier
from sklimb.callbacks import DeferredReweighting, LearnabilityReweighting
from sklimb.datasets import available_datasets, load_dataset, make_long_tailed
from sklimb.decision import MinimumRiskClassifier
from sklimb.metrics import make_cost_scorer

torch.set_num_threads(1)
QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
OUT_DIR = os.environ.get("SKLIMB_BASELINES_DIR")

# Training images per class drawn before making the set long-tailed; None
# keeps them all (set an int to subsample on a slow machine).
N_PER_CLASS = None
N_REPS = 1 if QUICK else 5
if QUICK or "fashion-mnist" not in available_datasets():
    DATASET, HIDDEN, MAX_EPOCHS, BATCH_SIZE = "digits", (64,), 15, 32
else:
    DATASET, HIDDEN, MAX_EPOCHS, BATCH_SIZE = "fashion-mnist", (128,), 20, 128
RATIOS = (10, 100)
N_SEEDS_LEARNABILITY = 2 if QUICK else N_REPS
NET_PARAMS = dict(
    hidden_layer_sizes=HIDDEN, max_epochs=MAX_EPOCHS, batch_size=BATCH_SIZE, lr=1e-3
)
start_time = time.perf_counter()

data = load_dataset(DATASET)
classes = np.unique(data.y_train)
print(
    f"{DATASET}: {len(data.y_train)} training and {len(data.y_test)} test "
    f"images, {len(classes)} classes; test counts {np.bincount(data.y_test)}"
)


def balanced_pool(rep):
    """``N_PER_CLASS`` training images per class (all images when None).

    The long-tailed sets are drawn from this pool, a new draw for each
    repetition ``rep``.
    """
    if N_PER_CLASS is None:
        return data.X_train, data.y_train
    rng = np.random.RandomState(rep)
    rows = np.concatenate(
        [
            rng.choice(np.flatnonzero(data.y_train == c), N_PER_CLASS, replace=False)
            for c in classes
        ]
    )
    rows.sort()
    return data.X_train[rows], data.y_train[rows]


def inverse_frequency_costs(counts):
    """``C[i, j] = w_i`` off the diagonal, ``w_i`` prop. to ``1 / n_i``, mean 1."""
    w = 1.0 / np.asarray(counts, dtype=float)
    w /= w.mean()
    return w[:, None] * (1.0 - np.eye(len(w)))


# %%
# The methods
# -----------
# Every method is one point of the grid: a sampler (or ``"passthrough"``) and
# a classifier. The class-balanced losses and DRW use the effective number
# of samples with :math:`\beta = 0.9999`; DRW switches at 80% of the epochs,
# as Cao et al. do (epoch 160 of 200).


def net(rep, **params):
    return CostSensitiveNetClassifier(random_state=rep, **NET_PARAMS, **params)


def methods(rep, counts, cost):
    def drw():
        return [("drw", DeferredReweighting(start_epoch=0.8, beta=0.9999))]

    found = {
        "CE": ("passthrough", net(rep)),
        "ROS + CE": (RandomOverSampler(random_state=rep), net(rep)),
        "RUS + CE": (RandomUnderSampler(random_state=rep), net(rep)),
    }
    # SMOTE interpolates between a sample and its k nearest neighbours of the
    # same class: it needs k + 1 samples in the smallest class.
    k = min(5, int(counts.min()) - 1)
    if k >= 1:
        found["SMOTE + CE"] = (SMOTE(k_neighbors=k, random_state=rep), net(rep))
    else:
        print(f"  SMOTE skipped: the smallest class has {counts.min()} sample(s)")
    found.update(
        {
            "weighted CE": ("passthrough", net(rep, loss="weighted_cross_entropy")),
            "focal": ("passthrough", net(rep, loss="focal", gamma=2.0)),
            "CB focal": (
                "passthrough",
                net(rep, loss="class_balanced_focal", beta=0.9999, gamma=1.0),
            ),
            "CE-DRW": ("passthrough", net(rep, callbacks=drw())),
            "LDAM": ("passthrough", net(rep, loss="ldam")),
            "LDAM-DRW": ("passthrough", net(rep, loss="ldam", callbacks=drw())),
            "bilinear": (
                "passthrough",
                net(rep, loss="bilinear", penalty_matrix=cost, alpha=0.5),
            ),
            "min-risk CE": ("passthrough", MinimumRiskClassifier(net(rep), cost)),
        }
    )
    return found


def scorers(cost):
    found = {
        "balanced_accuracy": "balanced_accuracy",
        "macro_f1": "f1_macro",
        "g_mean": make_scorer(geometric_mean_score),
        "cost": make_cost_scorer(cost),
    }
    for c in classes:
        found[f"recall_{c}"] = make_scorer(
            recall_score, labels=[c], average="macro", zero_division=0.0
        )
    return found


# %%
# One grid search per imbalance ratio and repetition
# ---------------------------------------------------
# The grid lists the methods; the single split of
# :class:`~sklearn.model_selection.PredefinedSplit` trains on the long-tailed
# training set and scores on the balanced test set, so ``cv_results_`` holds
# the test scores of every method. Nothing is selected on the test set: all
# hyperparameters are fixed in advance.

rows = []
for ratio in RATIOS:
    for rep in range(N_REPS):
        X_pool, y_pool = balanced_pool(rep)
        X_lt, y_lt = make_long_tailed(X_pool, y_pool, ratio, random_state=rep)
        counts = np.bincount(y_lt, minlength=len(classes))
        cost = inverse_frequency_costs(counts)
        print(f"ratio {ratio}, repetition {rep}: training counts {counts}")
        grid = methods(rep, counts, cost)
        pipe = Pipeline(
            [("scale", StandardScaler()), ("sampler", "passthrough"), ("clf", net(rep))]
        )
        X_all = np.concatenate([X_lt, data.X_test])
        y_all = np.concatenate([y_lt, data.y_test])
        fold = np.r_[np.full(len(y_lt), -1), np.zeros(len(data.y_test), dtype=int)]
        search = GridSearchCV(
            pipe,
            [{"sampler": [s], "clf": [c]} for s, c in grid.values()],
            scoring=scorers(cost),
            refit=False,
            cv=PredefinedSplit(fold),
            error_score="raise",
        ).fit(X_all, y_all)
        results = search.cv_results_
        for i, method in enumerate(grid):
            row = {"ratio": ratio, "rep": rep, "method": method}
            for name in scorers(cost):
                row[name] = results[f"split0_test_{name}"][i]
            row["cost"] = -row["cost"]  # the scorer is negated: greater is better
            row["fit_time"] = results["mean_fit_time"][i]
            rows.append(row)

runs = pd.DataFrame(rows)
runs["top1_error"] = 100 * (1 - runs["balanced_accuracy"])
# Every method of a repetition trains on the same long-tailed set from the
# same initial weights, so differences to CE are paired by repetition.
reference = runs[runs.method == "CE"].set_index(["ratio", "rep"])["top1_error"]
runs["error_vs_CE"] = (
    runs["top1_error"]
    - reference.loc[list(zip(runs.ratio, runs.rep, strict=True))].to_numpy()
)
method_order = list(dict.fromkeys(runs["method"]))

# %%
# Results
# -------
# Means over the repetitions with the half-width of a 95% t-interval (none
# with a single repetition). "Δ error vs CE" is the paired difference of the
# top-1 error to plain CE, in percentage points: negative is better.


def mean_ci(values):
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return np.nan, np.nan
    half = np.nan
    if n > 1:
        half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return values.mean(), half


def fmt(values, scale=1.0, digits=3):
    mean, half = mean_ci(np.asarray(values) * scale)
    if np.isnan(half):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


columns = {
    "top-1 error (%)": ("top1_error", 1.0, 1),
    "Δ error vs CE": ("error_vs_CE", 1.0, 1),
    "balanced accuracy": ("balanced_accuracy", 1.0, 3),
    "macro-F1": ("macro_f1", 1.0, 3),
    "G-mean": ("g_mean", 1.0, 3),
    "cost-weighted error": ("cost", 1.0, 3),
    f"tail recall (class {classes[-1]})": (f"recall_{classes[-1]}", 1.0, 3),
}
summary = []
for ratio in RATIOS:
    for method in method_order:
        part = runs[(runs.ratio == ratio) & (runs.method == method)]
        if part.empty:
            continue
        line = {"ratio": ratio, "method": method}
        for title, (key, scale, digits) in columns.items():
            line[title] = fmt(part[key], scale, digits)
        line["fit time (s)"] = f"{part['fit_time'].mean():.1f}"
        summary.append(line)
summary = pd.DataFrame(summary)
recall = (
    runs.groupby(["ratio", "method"], sort=False)[[f"recall_{c}" for c in classes]]
    .mean()
    .rename(columns=lambda name: name.removeprefix("recall_"))
)
with pd.option_context("display.width", 200, "display.max_columns", 20):
    print(summary.to_string(index=False))
    print("\nPer-class recall (head class first), mean over repetitions:")
    print(recall.round(3).to_string())

# %%
# Balanced accuracy of each method, and the per-class recall at the largest
# imbalance ratio: re-weighting and the minimum-risk decision trade a little
# head-class recall for much more tail-class recall.

fig, (ax_acc, ax_diff, ax_rec) = plt.subplots(1, 3, figsize=(18, 5.5))
positions = np.arange(len(method_order))
for ax, key, label in [
    (ax_acc, "balanced_accuracy", "balanced accuracy (balanced test set)"),
    (ax_diff, "error_vs_CE", "top-1 error minus that of CE (paired, points)"),
]:
    for k, ratio in enumerate(RATIOS):
        cis = [
            mean_ci(runs[(runs.ratio == ratio) & (runs.method == m)][key])
            for m in method_order
        ]
        ax.errorbar(
            [c[0] for c in cis],
            positions + (k - 0.5) * 0.3,
            xerr=np.nan_to_num([c[1] for c in cis]),
            fmt="o",
            capsize=3,
            label=f"imbalance ratio {ratio}",
        )
    ax.set_yticks(positions, method_order)
    ax.invert_yaxis()
    ax.set_xlabel(f"{label}\nmean and 95% CI")
    ax.grid(axis="x", alpha=0.3)
ax_acc.legend(loc="lower left")
ax_diff.axvline(0, color="gray", lw=1)
ax_diff.set_yticklabels([])

shown = ["CE", "ROS + CE", "weighted CE", "LDAM-DRW", "min-risk CE"]
ratio = RATIOS[-1]
for method in shown:
    ax_rec.plot(classes, recall.loc[(ratio, method)].to_numpy(), "o-", label=method)
ax_rec.set_xticks(classes)
ax_rec.set_xlabel(f"class (head to tail), imbalance ratio {ratio}")
ax_rec.set_ylabel("test recall (mean over repetitions)")
ax_rec.set_ylim(0, 1.02)
ax_rec.grid(alpha=0.3)
ax_rec.legend(loc="lower left")
fig.suptitle(f"Long-tailed {DATASET}: {N_REPS} repetition(s), MLP {HIDDEN}")
fig.tight_layout()

# %%
# Learnability re-weighting on balanced data
# ------------------------------------------
# Even with equal class counts some classes are harder than others (on
# Fashion-MNIST, shirts are confused with T-shirts, pullovers and coats).
# :class:`~sklimb.callbacks.LearnabilityReweighting` measures the per-class
# true-positive rates on the validation split that ``early_stopping=True``
# holds out, and up-weights the classes with low rates. Both nets below hold
# out the same 20% and keep the epoch of lowest (unweighted) validation
# loss; we compare the variance of the per-class test recall.

learn_rows, learn_recall = [], {}
for seed in range(N_SEEDS_LEARNABILITY):
    X_bal, y_bal = balanced_pool(seed)
    for variant in ("CE", "CE + learnability"):
        callbacks = None
        if variant != "CE":
            callbacks = [("learn", LearnabilityReweighting(momentum=0.5, eps=0.1))]
        model = make_pipeline(
            StandardScaler(),
            net(
                seed,
                callbacks=callbacks,
                early_stopping=True,
                validation_fraction=0.2,
                n_iter_no_change=MAX_EPOCHS,
            ),
        ).fit(X_bal, y_bal)
        y_pred = model.predict(data.X_test)
        tpr = recall_score(data.y_test, y_pred, average=None)
        learn_recall.setdefault(variant, []).append(tpr)
        learn_rows.append(
            {
                "seed": seed,
                "variant": variant,
                "tpr_variance": np.var(tpr),
                "min_tpr": tpr.min(),
                "balanced_accuracy": balanced_accuracy_score(data.y_test, y_pred),
            }
        )
learn = pd.DataFrame(learn_rows)
learn_metrics = {
    "TPR variance (x1e-3)": ("tpr_variance", 1e3, 2),
    "worst-class TPR": ("min_tpr", 1.0, 3),
    "balanced accuracy": ("balanced_accuracy", 1.0, 3),
}
by_seed = learn.pivot(index="seed", columns="variant")
learn_summary = pd.DataFrame(
    [
        {"variant": variant}
        | {
            title: fmt(part[key], scale, digits)
            for title, (key, scale, digits) in learn_metrics.items()
        }
        for variant, part in learn.groupby("variant", sort=False)
    ]
    + [
        {"variant": "change (paired by seed)"}
        | {
            title: fmt(
                by_seed[key]["CE + learnability"] - by_seed[key]["CE"], scale, digits
            )
            for title, (key, scale, digits) in learn_metrics.items()
        }
    ]
)
print(learn.round(4).to_string(index=False))
print(learn_summary.to_string(index=False))

# %%
# The per-class test recall with and without the re-weighting (mean over
# seeds).

fig_learn, ax = plt.subplots(figsize=(7, 4))
width = 0.4
for k, (variant, tprs) in enumerate(learn_recall.items()):
    ax.bar(classes + (k - 0.5) * width, np.mean(tprs, axis=0), width, label=variant)
ax.set_xticks(classes, data.target_names, rotation=30)
ax.set_ylabel("test recall (true-positive rate)")
ax.set_ylim(0, 1.05)
ax.legend(loc="lower right")
ax.set_title(f"Balanced {DATASET}: per-class recall")
fig_learn.tight_layout()

elapsed = time.perf_counter() - start_time
print(f"Total run time: {elapsed:.0f} s")

# %%
# Saving the results
# ------------------
# With ``SKLIMB_BASELINES_DIR`` set, the tables and figures are written there
# (the documentation's "Baseline study" page shows those of a full run).


def markdown(frame):
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(map(str, row)) + " |" for row in frame.to_numpy()]
    return "\n".join([header, rule, *body]) + "\n"


if OUT_DIR:
    out = Path(OUT_DIR)
    out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(out / "baselines_runs.csv", index=False)
    learn.to_csv(out / "learnability_runs.csv", index=False)
    summary.to_csv(out / "baselines_table.csv", index=False)
    learn_summary.to_csv(out / "learnability_table.csv", index=False)
    (out / "baselines_table.md").write_text(markdown(summary))
    (out / "baselines_recall.md").write_text(markdown(recall.round(3).reset_index()))
    (out / "learnability_table.md").write_text(markdown(learn_summary))
    fig.savefig(out / "baselines.png", dpi=110)
    fig_learn.savefig(out / "learnability.png", dpi=110)
    print(f"Tables and figures written to {out}")

plt.show()
