import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from budgetrouter.estimators import NoThinkingClassifier, TokenBudgetRegressor

NEGATIVE_Y = "token counts must be >= 0; the check fits negative targets"
BINARY = "binary by design: labels are cast to bool (True = no reasoning needed)"
EXPECTED_FAILURES = {
    "TokenBudgetRegressor": {
        **dict.fromkeys(
            [
                "check_n_features_in_after_fitting",
                "check_regressors_train",
                "check_regressor_data_not_an_array",
                "check_regressors_no_decision_function",
                "check_fit_idempotent",
                "check_fit_check_is_fitted",
                "check_n_features_in",
            ],
            NEGATIVE_Y,
        ),
        "check_sample_weight_equivalence_on_dense_data": (
            "LightGBM's min_child_samples counts rows, not weight"
        ),
    },
    "NoThinkingClassifier": dict.fromkeys(
        [
            "check_classifiers_classes",
            "check_classifiers_train",
            "check_classifiers_regression_target",
        ],
        BINARY,
    ),
}


@parametrize_with_checks(
    [
        TokenBudgetRegressor(n_estimators=5, min_child_samples=1, colsample_bytree=1.0),
        NoThinkingClassifier(n_estimators=5, min_child_samples=1, colsample_bytree=1.0),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_predictions_apply_the_inverse_link_once():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = np.where(X[:, 0] > 0, 0.0, np.exp(4 + X[:, 1]))
    reg = TokenBudgetRegressor(n_estimators=20, min_child_samples=5).fit(X, y)
    pred = reg.predict(X)
    assert pred.min() >= 0.0
    again = TokenBudgetRegressor.from_booster(reg.booster_, quantile=0.5).predict(X)
    np.testing.assert_array_equal(pred, again)
    np.testing.assert_array_equal(reg.predict_trusted(X), pred)  # the hot path: same link
    clf = NoThinkingClassifier(n_estimators=20, min_child_samples=5).fit(X, y == 0)
    proba = NoThinkingClassifier.from_booster(clf.booster_).predict_proba(X)
    assert proba.shape == (80, 2) and proba.min() >= 0.0 and proba.max() <= 1.0
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict_trusted(X), proba[:, 1])
