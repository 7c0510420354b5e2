"""``budgetrouter train`` (single machine; Dask in tests/train/test_dask.py)."""

import json

from budgetrouter.cli import main


def test_train_rejects_bad_data(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "p", "reasoning_tokens": -1, "correct": True}) + "\n")
    assert main(["train", "--data", str(bad), "--out", str(tmp_path / "b"), "--no-track"]) == 2
    err = capsys.readouterr().err
    assert "row 1, field 'reasoning_tokens'" in err
    assert not (tmp_path / "b").exists()


def test_train_needs_families(tmp_path, capsys):
    data = tmp_path / "obs.jsonl"
    data.write_text(
        "".join(
            json.dumps({"prompt": f"p{i}", "reasoning_tokens": i, "correct": True, "group": "one"})
            + "\n"
            for i in range(20)
        )
    )
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                "--out",
                str(tmp_path / "b"),
                "--no-track",
                "--embedder",
                "hashing",
            ]
        )
        == 2
    )
    assert "distinct 'group' values" in capsys.readouterr().err


def test_train_with_hashing_embedder_no_tracking(observations, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "obs.csv"
    observations.to_csv(data, index=False)
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"n_estimators": 10, "min_child_samples": 3, "n_inner_folds": 2}))
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                "--out",
                "b",
                "--no-track",
                "--embedder",
                "hashing",
                "--config",
                str(config),
                "--target-accuracy",
                "0.9",
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["bundle"] == "b" and (tmp_path / "b" / "manifest.json").is_file()
    assert not (tmp_path / "mlflow.db").exists()


def test_train_refuses_an_out_folder_that_is_not_a_bundle_before_training(tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    data = tmp_path / "obs.jsonl"
    data.write_text(json.dumps({"prompt": "p", "reasoning_tokens": 1, "correct": True}) + "\n")
    args = ["train", "--data", str(data), "--out", str(precious), "--no-track"]
    assert main([*args, "--embedder", "hashing"]) == 2
    assert "exists and is not a bundle folder" in capsys.readouterr().err
    assert (precious / "notes.txt").read_text() == "keep me"
