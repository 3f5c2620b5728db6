"""Display objects of sklimb.plotting, checked on what the figure shows."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, recall_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklimb import BilinearNetClassifier, MinimumRiskClassifier
from sklimb.metrics import make_cost_scorer
from sklimb.penalty import random_mask
from sklimb.plotting import (
    AlphaTradeoffDisplay,
    ClassRecallDisplay,
    CostConfusionMatrixDisplay,
    plot_alpha_tradeoff,
    plot_class_recall,
    plot_confusion_matrix,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _outlined_cells(display):
    """(row, column) of each Rectangle patch drawn on the axes, from its geometry."""
    cells = set()
    for patch in display.ax_.patches:
        x, y = patch.get_xy()
        assert patch.get_width() == patch.get_height() == 1
        cells.add((round(y + 0.5), round(x + 0.5)))
    return cells


def _small_data(n_classes=3, n_per_class=30, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(n_classes, 4))
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = (centers[y] + rng.normal(size=(y.size, 4))).astype(np.float32)
    return X, y


def test_outlined_cells_are_the_penalised_ones():
    y_true = [0, 0, 1, 1, 2, 2, 3, 3]
    y_pred = [0, 1, 1, 2, 2, 0, 3, 0]
    A = random_mask(4, n_cells=5, random_state=0)
    disp = CostConfusionMatrixDisplay.from_predictions(y_true, y_pred, penalty_matrix=A)

    expected = {(int(i), int(j)) for i, j in np.argwhere(A > 0)}
    assert _outlined_cells(disp) == expected
    assert {
        (int(i), int(j)) for (i, j), box in np.ndenumerate(disp.outlines_) if box
    } == expected
    np.testing.assert_array_equal(
        disp.confusion_matrix, confusion_matrix(y_true, y_pred)
    )
    np.testing.assert_array_equal(disp.im_.get_array(), disp.confusion_matrix)
    # A 0/1 mask has nothing to annotate.
    assert all(text is None for text in disp.cost_texts_.ravel())


def test_costs_are_annotated_in_their_cells():
    A = np.array([[0, 1, 10], [2, 0, 0], [0, 0, 0]], dtype=float)
    disp = CostConfusionMatrixDisplay.from_predictions(
        [0, 1, 2], [0, 1, 2], penalty_matrix=A
    )
    written = {
        (i, j): text.get_text()
        for (i, j), text in np.ndenumerate(disp.cost_texts_)
        if text is not None
    }
    assert written == {(0, 1): "1", (0, 2): "10", (1, 0): "2"}
    for (i, j), text in np.ndenumerate(disp.cost_texts_):
        if text is not None:
            x, y = text.get_position()
            assert j - 0.5 < x < j + 0.5 and i - 0.5 < y < i + 0.5

    plain = CostConfusionMatrixDisplay.from_predictions(
        [0, 1, 2], [0, 1, 2], penalty_matrix=A, annotate_costs=False
    )
    assert all(text is None for text in plain.cost_texts_.ravel())
    assert len(plain.ax_.patches) == 3


def test_costs_by_label_follow_the_display_order():
    y_true = ["cat", "dog", "fox", "dog"]
    y_pred = ["dog", "dog", "cat", "cat"]
    costs = {("dog", "cat"): 5.0, ("fox", "cat"): 1.0}
    disp = CostConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, penalty_matrix=costs, labels=["fox", "dog", "cat"]
    )
    # rows and columns in the order fox, dog, cat
    assert _outlined_cells(disp) == {(1, 2), (0, 2)}
    assert disp.cost_texts_[1, 2].get_text() == "5"
    ticks = [t.get_text() for t in disp.ax_.get_xticklabels()]
    assert ticks == ["fox", "dog", "cat"]


def test_from_estimator_uses_the_fitted_penalty_matrix():
    X, y = _small_data()
    A = np.array([[0, 0, 1], [0, 0, 0], [1, 0, 0]], dtype=float)
    clf = BilinearNetClassifier(
        penalty_matrix=A, max_epochs=3, random_state=0, device="cpu"
    ).fit(X, y)
    disp = plot_confusion_matrix(clf, X, y)
    assert _outlined_cells(disp) == {(0, 2), (2, 0)}
    np.testing.assert_array_equal(
        disp.confusion_matrix, confusion_matrix(y, clf.predict(X))
    )

    # reordered labels move the fitted matrix with them
    reordered = CostConfusionMatrixDisplay.from_estimator(clf, X, y, labels=[2, 1, 0])
    assert _outlined_cells(reordered) == {(0, 2), (2, 0)}
    assert reordered.confusion_matrix[0, 0] == disp.confusion_matrix[2, 2]

    # an explicit matrix wins over the fitted one
    other = plot_confusion_matrix(clf, X, y, penalty_matrix={(1, 0): 2.0})
    assert _outlined_cells(other) == {(1, 0)}


def test_from_estimator_reads_a_minimum_risk_cost_matrix():
    X, y = _small_data()
    costs = {(2, 0): 5.0, (1, 2): 1.0}
    model = make_pipeline(
        StandardScaler(), MinimumRiskClassifier(LogisticRegression(), cost_matrix=costs)
    ).fit(X, y)
    disp = plot_confusion_matrix(model, X, y)
    assert _outlined_cells(disp) == {(2, 0), (1, 2)}
    assert disp.cost_texts_[2, 0].get_text() == "5"


def test_plain_estimator_and_argument_errors():
    X, y = _small_data()
    clf = LogisticRegression().fit(X, y)
    disp = plot_confusion_matrix(clf, X, y, normalize="true")
    assert len(disp.ax_.patches) == 0
    np.testing.assert_allclose(disp.confusion_matrix.sum(axis=1), 1.0)

    with pytest.raises(ValueError, match="needs y"):
        plot_confusion_matrix(clf, X)
    with pytest.raises(ValueError, match="only used with an estimator"):
        plot_confusion_matrix(y, y, y)
    disp = CostConfusionMatrixDisplay(np.eye(2), penalty_matrix=np.ones((3, 3)))
    with pytest.raises(ValueError, match="penalty_matrix has shape"):
        disp.plot()


@pytest.fixture(scope="module")
def search():
    X, y = _small_data(n_per_class=20)
    A1 = np.array([[0, 0, 1], [0, 0, 0], [1, 0, 0]], dtype=float)
    A2 = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=float)
    grid = {"alpha": [0.0, 0.5, 0.9], "penalty_matrix": [A1, A2]}
    return GridSearchCV(
        BilinearNetClassifier(max_epochs=2, random_state=0, device="cpu"),
        grid,
        scoring={"cost": make_cost_scorer(A1), "accuracy": "accuracy"},
        refit=False,
        cv=2,
    ).fit(X, y)


def test_tradeoff_points_are_the_scores(search):
    res = search.cv_results_
    disp = plot_alpha_tradeoff(search)
    assert len(disp.lines_) == 2
    assert disp.line_labels == ["penalty_matrix #1", "penalty_matrix #2"]
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()] == [
        "penalty_matrix #1",
        "penalty_matrix #2",
    ]
    for k, container in enumerate(disp.lines_):
        rows = [
            i
            for i, p in enumerate(res["params"])
            if p["penalty_matrix"] is search.param_grid["penalty_matrix"][k]
        ]
        rows = sorted(rows, key=lambda i: res["params"][i]["alpha"])
        line = container.lines[0]
        np.testing.assert_allclose(
            line.get_xdata(), 1 - res["mean_test_accuracy"][rows]
        )
        np.testing.assert_allclose(line.get_ydata(), -res["mean_test_cost"][rows])
        np.testing.assert_allclose(disp.costs_std[k], res["std_test_cost"][rows])
        # the vertical error bars span mean ± std
        segments = container.lines[2][1].get_segments()
        heights = [seg[1][1] - seg[0][1] for seg in segments]
        np.testing.assert_allclose(heights, 2 * res["std_test_cost"][rows])
    labels = sorted(t.get_text() for t in disp.alpha_texts_)
    assert labels == sorted(["α=0", "α=0.5", "α=0.9"] * 2)
    assert disp.ax_.get_xlabel() == "overall error rate"
    assert disp.ax_.get_ylabel() == "cost"


def test_tradeoff_against_alpha(search):
    disp = AlphaTradeoffDisplay.from_cv_results(
        search.cv_results_, x="alpha", cost_name="cost under A1"
    )
    for container in disp.lines_:
        np.testing.assert_allclose(container.lines[0].get_xdata(), [0.0, 0.5, 0.9])
    assert disp.ax_.get_ylabel() == "cost under A1"
    assert disp.alpha_texts_ == []


def test_tradeoff_reads_pipeline_parameters_and_single_metric():
    results = {
        "params": [
            {"net__alpha": a, "net__loss": loss}
            for loss in ("bilinear", "log_bilinear")
            for a in (0.9, 0.0)
        ],
        "mean_test_score": [-0.1, -0.3, -0.2, -0.4],
        "std_test_score": [0.01, 0.03, 0.02, 0.04],
    }
    disp = plot_alpha_tradeoff(results, x="alpha")
    assert disp.line_labels == ["loss=bilinear", "loss=log_bilinear"]
    np.testing.assert_allclose(disp.lines_[0].lines[0].get_ydata(), [0.3, 0.1])
    np.testing.assert_allclose(disp.lines_[1].lines[0].get_xdata(), [0.0, 0.9])
    with pytest.raises(ValueError, match="needs an accuracy scorer"):
        plot_alpha_tradeoff(results)


def test_tradeoff_errors():
    base = {"mean_test_score": [0.0], "std_test_score": [0.0]}
    with pytest.raises(ValueError, match="pass alpha_param"):
        plot_alpha_tradeoff(
            {"params": [{"a__alpha": 0, "b__alpha": 0}], **base}, x="alpha"
        )
    with pytest.raises(ValueError, match="pass cost_metric"):
        plot_alpha_tradeoff(
            {
                "params": [{"alpha": 0}],
                "mean_test_a": [0],
                "mean_test_b": [0],
            }
        )
    with pytest.raises(ValueError, match="x must be"):
        AlphaTradeoffDisplay([[0]], [[0]], [[0]]).plot(x="cost")


def test_recall_bars_are_the_recalls():
    y_true = np.array([0, 0, 0, 0, 1, 1, 2])
    preds = {"always 0": np.zeros(7, int), "half": np.array([0, 0, 1, 1, 1, 0, 2])}
    disp = plot_class_recall(y_true, preds)
    assert len(disp.bars_) == 2
    for bars, (name, pred) in zip(disp.bars_, preds.items(), strict=True):
        heights = [rect.get_height() for rect in bars]
        expected = recall_score(y_true, pred, average=None)
        np.testing.assert_allclose(heights, expected)
        assert bars.get_label().startswith(name)
        assert f"{expected.mean():.3f}" in bars.get_label()
    centres = [rect.get_x() + rect.get_width() / 2 for rect in disp.bars_[0]]
    assert np.all(np.diff(centres) > 0)
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["0", "1", "2"]


def test_a_class_absent_from_y_true_has_no_recall_bar():
    # It got recall 0, and the legend's balanced accuracy 0.500 where
    # scikit-learn's is 0.75.
    from sklearn.metrics import balanced_accuracy_score

    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])
    disp = plot_class_recall(y_true, {"m": y_pred}, labels=[0, 1, 2])
    heights = [rect.get_height() for rect in disp.bars_[0]]
    np.testing.assert_allclose(heights, [0.5, 1.0, np.nan])
    expected = balanced_accuracy_score(y_true, y_pred)
    assert f"balanced accuracy {expected:.3f}" in disp.bars_[0].get_label()


def test_recall_from_estimators():
    X, y = _small_data()
    models = {"lr": LogisticRegression().fit(X, y), "lr C=0.001": None}
    models["lr C=0.001"] = LogisticRegression(C=0.001).fit(X, y)
    disp = ClassRecallDisplay.from_estimator(models, X, y, labels=[2, 0])
    for bars, model in zip(disp.bars_, models.values(), strict=True):
        expected = recall_score(y, model.predict(X), labels=[2, 0], average=None)
        np.testing.assert_allclose([r.get_height() for r in bars], expected)
    single = plot_class_recall(models["lr"], X, y)
    assert single.ax_.get_legend() is None
    np.testing.assert_allclose(
        np.mean([r.get_height() for r in single.bars_[0]]),
        recall_score(y, models["lr"].predict(X), average="macro"),
    )
    assert accuracy_score(y, models["lr"].predict(X)) > 0.5
    with pytest.raises(ValueError, match="needs y"):
        plot_class_recall(models, X)
