"""scikit-learn's estimator checks on every sklimb estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklimb import (
    BilinearNetClassifier,
    CostSensitiveNetClassifier,
    LogBilinearNetClassifier,
)

# Checks that a neural net trained by stochastic mini-batch optimisation cannot
# pass, each with its reason. Everything else must pass.
EXPECTED_FAILED = {
    "check_no_attributes_set_in_init": (
        "skorch.NeuralNet.__init__ sets history_, initialized_ and "
        "virtual_params_, which the rest of skorch reads before fit"
    ),
    "check_do_not_raise_errors_in_init_or_set_params": (
        "the check passes a parameter literally named 'kwargs'; sklimb, like "
        "skorch, takes **kwargs for routed module__*/optimizer__* parameters"
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch training: repeating a row changes the batches, so weights "
        "equal repetition only with batch_size=-1 (tested in test_classifier)"
    ),
    "check_sample_weight_equivalence_on_sparse_data": (
        "mini-batch training, as for dense data (sparse X is trained exactly "
        "like its dense copy: tested in test_classifier)"
    ),
}


def _instances():
    common = dict(max_epochs=30, lr=1e-2, random_state=0, device="cpu")
    return [
        CostSensitiveNetClassifier(**common),
        BilinearNetClassifier(alpha=0.5, **common),
        LogBilinearNetClassifier(alpha=0.5, **common),
        CostSensitiveNetClassifier(loss="focal", class_weight="balanced", **common),
    ]


@parametrize_with_checks(
    _instances(), expected_failed_checks=lambda est: EXPECTED_FAILED
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
