"""The bundled runs of one model at its levels, answering as a provider.

The bundled sources ran each prompt at each of a model's levels (o4-mini and gpt-5-mini at low,
medium and high effort on SimpleQA and FRAMES). :class:`LevelWorld` turns those runs into a
provider: a call at level ``L`` on prompt ``p`` returns the logged run of ``p`` at ``L``, its
reasoning tokens, and its answer (the reference answer when the run was graded correct, else a
wrong answer of its own, so two wrong runs never agree); :func:`serving` puts it behind a
loopback server that speaks Chat Completions.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from budgetrouter.clients.shadow import SHADOW_HEADER
from budgetrouter.errors import ConfigError


@dataclass
class LevelWorld:
    """The bundled runs of one model on one source, as a provider answers them.

    Attributes
    ----------
    model
        The model (``"o4-mini"``).
    efforts
        Its effort levels, lowest first.
    runs
        ``runs[prompt][effort] = (correct, reasoning_tokens)``: the prompt's first logged run at
        that level.
    answers
        The reference answer of each prompt.
    groups
        The task family of each prompt.
    """

    model: str
    efforts: list[str]
    runs: dict[str, dict[str, tuple[bool, int]]]
    answers: dict[str, str]
    groups: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_source(cls, folder: str | Path, model: str) -> LevelWorld:
        """The runs of ``model`` in a bundled source folder (prompts and outcomes parquet).

        Only prompts run at every one of the model's effort levels are kept.

        Raises
        ------
        ConfigError
            If the source has no effort-level runs of ``model``.
        """
        import pandas as pd

        from budgetrouter.decision import EFFORTS

        folder = Path(folder)
        prompts = pd.read_parquet(folder / "prompts.parquet")
        runs = pd.read_parquet(folder / "outcomes.parquet")
        runs = runs.loc[runs["model"].eq(model) & runs["effort"].notna()]
        if runs.empty:
            raise ConfigError(f"{folder} holds no effort-level runs of {model!r}")
        efforts = [e for e in EFFORTS if e in set(runs["effort"])]
        first = runs.sort_values("sample").drop_duplicates(["prompt_id", "effort"])
        by_id = prompts.set_index("prompt_id")
        table: dict[str, dict[str, tuple[bool, int]]] = {}
        for pid, rows in first.groupby("prompt_id"):
            if set(rows["effort"]) != set(efforts):
                continue
            text = str(by_id.at[pid, "prompt"])
            table[text] = {
                e: (bool(c), int(t))
                for e, c, t in zip(
                    rows["effort"], rows["correct"], rows["reasoning_tokens"], strict=True
                )
            }
        answers = {
            str(by_id.at[i, "prompt"]): str(by_id.at[i, "expected_answer"]) for i in by_id.index
        }
        family = by_id["family"] if "family" in by_id else by_id.index.to_series()
        groups = {str(by_id.at[i, "prompt"]): str(family[i]) for i in by_id.index}
        return cls(model, efforts, table, answers, groups)

    @property
    def second_opinion(self) -> str:
        """The level whose run answers a shadow of a top-level call.

        A shadow of a call at the top level is a second, independent top-level run; the
        bundled sources hold one run per prompt and level, so the run of the level below the
        top stands in for it (the top level itself when the model has one level).
        """
        return self.efforts[-2] if len(self.efforts) > 1 else self.efforts[-1]

    def label(self, prompt: str, effort: str) -> bool:
        """The shadow label of a call at ``effort``: whether its answer is the top level's.

        For the top level itself: whether it is the second opinion's.
        """
        top, effort = self.efforts[-1], self.level(effort)
        other = self.second_opinion if effort == top else top
        return self.answer(prompt, effort)[0] == self.answer(prompt, other)[0]

    @property
    def prompts(self) -> list[str]:
        """The prompts run at every level, in a fixed order."""
        return sorted(self.runs)

    def level(self, effort: str) -> str:
        """The run level that answers ``effort``: itself, else the nearest one the model ran at.

        gpt-5-mini's ``minimal`` is answered by its ``low`` runs.
        """
        from budgetrouter.decision import EFFORTS

        if effort in self.efforts:
            return effort
        rank = EFFORTS.index(effort) if effort in EFFORTS else 0
        return min(self.efforts, key=lambda e: abs(EFFORTS.index(e) - rank))

    def answer(self, prompt: str, effort: str) -> tuple[str, int, bool]:
        """The answer text, reasoning tokens and grade of ``prompt``'s run at ``effort``."""
        effort = self.level(effort)
        correct, tokens = self.runs[prompt][effort]
        text = self.answers[prompt] if correct else f"(a wrong answer, the {effort} run's)"
        return text, tokens, correct


def _handler(world: LevelWorld) -> type[BaseHTTPRequestHandler]:
    """The handler of :func:`serving` (a shadow's top-level repeat gets the second opinion)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            prompt = next(
                m["content"] for m in reversed(body["messages"]) if m.get("role") == "user"
            )
            effort = body.get("reasoning_effort") or world.efforts[-1]
            if self.headers.get(SHADOW_HEADER) == "repeat":
                effort = world.second_opinion
            text, tokens, _ = world.answer(prompt, effort)
            reply = {
                "id": "sim", "object": "chat.completion", "created": 0, "model": world.model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": tokens + 10,
                          "total_tokens": tokens + 20,
                          "completion_tokens_details": {"reasoning_tokens": tokens}},
            }  # fmt: skip
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(world: LevelWorld) -> Iterator[str]:
    """A loopback Chat Completions server answering from ``world``; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(world))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
