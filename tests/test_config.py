import pytest

from budgetrouter import RouterConfig, Tier, TrainConfig
from budgetrouter.config import LGBM_DEFAULTS
from budgetrouter.errors import ConfigError


def test_train_config_round_trip():
    cfg = TrainConfig(target_accuracy=0.98, budget_grid=(0, 100, 1000))
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ConfigError, match=r"Unknown TrainConfig keys \['target'\]"):
        TrainConfig.from_dict({"target": 0.9})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_accuracy": 1.5}, "target_accuracy must be a number in"),
        ({"target_accuracy": 0}, "target_accuracy"),
        ({"max_mean_tokens": -1}, "max_mean_tokens"),
        ({"budget_grid": (10, 100)}, "starting at 0"),
        ({"budget_grid": (0, 100, 50)}, "strictly increasing"),
        ({"long_cap_tokens": 10}, "long_cap_tokens"),
        ({"upper_quantile": 0.3}, "upper_quantile"),
        ({"n_inner_folds": 1}, "n_inner_folds"),
        ({"short_max_tokens": 0}, "short_max_tokens"),
        ({"n_outer_folds": 1}, "n_outer_folds"),
    ],
)
def test_train_config_checks(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**kwargs)


def test_router_config_checks():
    assert RouterConfig(fallback_tier="long").fallback_tier == "long"
    with pytest.raises(ConfigError, match=r"Unknown fallback_tier 'huge'. Available"):
        RouterConfig(fallback_tier="huge")
    with pytest.raises(ConfigError, match="batch_size"):
        RouterConfig(batch_size=0)


def test_tier_names_are_checked():
    with pytest.raises(ConfigError, match="Unknown tier 'medium'"):
        Tier("medium", 10)


def test_one_set_of_lightgbm_defaults():
    from budgetrouter.estimators import NoThinkingClassifier, TokenBudgetRegressor

    cfg = TrainConfig()
    assert {k: getattr(cfg, k) for k in LGBM_DEFAULTS} == LGBM_DEFAULTS
    for est in (TokenBudgetRegressor(), NoThinkingClassifier()):
        assert {k: v for k, v in est.get_params().items() if k in LGBM_DEFAULTS} == LGBM_DEFAULTS
    assert cfg.lgbm_settings(num_leaves=3)["num_leaves"] == 3
    assert cfg.regressor_settings(n_solved=40)["min_child_samples"] == 10


def test_train_config_tiers():
    assert TrainConfig(short_max_tokens=512).tiers.short_max_tokens == 512


def test_old_keys_get_their_new_name():
    with pytest.raises(ConfigError, match="'n_folds' is now 'n_inner_folds'"):
        TrainConfig.from_dict({"n_folds": 3})
    with pytest.raises(ConfigError, match="'quantile_high' is now 'upper_quantile'"):
        TrainConfig.from_dict({"quantile_high": 0.8})


def test_config_from_file(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text('{"n_estimators": 7}')
    assert TrainConfig.from_file(path).n_estimators == 7
    path.write_text("[1]")
    with pytest.raises(ConfigError, match="must hold a JSON object of TrainConfig keys, got list"):
        TrainConfig.from_file(path)
    with pytest.raises(ConfigError, match="cannot read JSON"):
        TrainConfig.from_file(tmp_path / "missing.json")
