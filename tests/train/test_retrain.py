"""budgetrouter.train.retrain as a library call (registration: tests/tracking)."""

import json

import pytest

from budgetrouter import Router
from budgetrouter.errors import ConfigError
from budgetrouter.train import retrain
from budgetrouter.train.retrain import retrain_config
from tests.conftest import make_observations


def test_the_target_comes_from_the_caller_then_the_file_then_the_bundle(tiny_bundle, tmp_path):
    current = Router.load(tiny_bundle)
    bundle_target = current.manifest["train_config"]["target_accuracy"]
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"n_estimators": 10}))
    aimed = tmp_path / "aimed.json"
    aimed.write_text(json.dumps({"n_estimators": 10, "target_accuracy": 0.9}))
    assert retrain_config(current).target_accuracy == bundle_target
    assert retrain_config(current, plain).target_accuracy == bundle_target
    assert retrain_config(current, plain).n_estimators == 10
    assert retrain_config(current, aimed).target_accuracy == 0.9
    assert retrain_config(current, aimed, target_accuracy=0.97).target_accuracy == 0.97
    with pytest.raises(ConfigError, match="target_accuracy must be a number in"):
        retrain_config(current, target_accuracy=0)


def test_retrain_takes_one_path_and_never_writes_over_the_current_bundle(tiny_bundle, tmp_path):
    current = Router.load(tiny_bundle)
    logs = tmp_path / "logs.jsonl"
    make_observations(seed=1).to_json(logs, orient="records", lines=True)
    with pytest.raises(ConfigError, match="is the current bundle's folder"):
        retrain(current, logs, tiny_bundle)
    with pytest.raises(ConfigError, match="holdout_fraction must be a number in"):
        retrain(current, logs, tmp_path / "c", holdout_fraction=1.5)
    config = retrain_config(current)
    config = type(config).from_dict({**config.to_dict(), "n_estimators": 10, "n_inner_folds": 2})
    result = retrain(current, logs, tmp_path / "candidate", config=config)  # one path, not a list
    assert result.heldout_families and result.candidate.path == tmp_path / "candidate"
    assert set(result.compared) == {"current", "candidate"}
    assert Router.load(tiny_bundle).version == current.version
