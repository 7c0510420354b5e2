"""Fixtures of the wrapped-client tests: the loopback server, a trained router, a real log."""

from __future__ import annotations

import json

import pytest

from budgetrouter import Router
from budgetrouter.outcomes import OutcomeLog
from tests.clients.loopback import Loopback


@pytest.fixture(scope="session")
def loopback():
    state = Loopback()
    httpd = state.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(loopback):
    """The loopback server with nothing queued and no bodies kept."""
    loopback.reset()
    yield loopback
    loopback.reset()


@pytest.fixture(scope="session")
def router(tiny_bundle):
    """A real trained router: model-agnostic decisions of tier short (512 tokens) here."""
    return Router.load(tiny_bundle)


@pytest.fixture
def log(tmp_path):
    return OutcomeLog(tmp_path / "logs" / "outcomes.jsonl")


def rows(log: OutcomeLog) -> list[dict]:
    if not log.path.exists():
        return []
    return [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
