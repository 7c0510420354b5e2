import numpy as np

from budgetrouter.curves import BudgetCurveModel


def test_budget_curves_rise_with_the_budget():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    grid = np.array([0.0, 10.0, 100.0, np.inf])
    need = np.exp(3 + X[:, 0])  # tokens each prompt needs
    success = (need[:, None] <= grid[None, :]).astype(float)
    cost = np.minimum(need[:, None], grid[None, :])
    model = BudgetCurveModel(grid, n_estimators=30, min_child_samples=2).fit(
        X, success, cost, np.ones(60)
    )
    s, c = model.predict(X)
    assert s.shape == c.shape == (60, 4)
    assert np.all(np.diff(s, axis=1) >= -1e-12)
    assert np.all(np.diff(c, axis=1) >= -1e-9)
    assert np.all(c[:, 0] == 0)
    easy, hard = np.argmin(need), np.argmax(need)
    assert s[easy, 2] > s[hard, 2]
