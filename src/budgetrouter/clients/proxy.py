"""The wrapped client: the SDK client with a few methods replaced, everything else passed on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Proxy:
    """An object that forwards every attribute to ``__wrapped__`` except its overrides.

    Parameters
    ----------
    target
        The object wrapped (an SDK client or one of its resources).
    overrides
        The attributes served here instead (the routed methods, wrapped sub-resources).
    """

    def __init__(self, target: Any, overrides: dict[str, Any]) -> None:
        object.__setattr__(self, "__wrapped__", target)
        for name, value in overrides.items():
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "__wrapped__"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "__wrapped__"), name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self.__wrapped__)) | set(vars(self)))

    def __repr__(self) -> str:
        return f"<budgetrouter-wrapped {self.__wrapped__!r}>"


class WrappedClient(Proxy):
    """A wrapped SDK client (see :func:`budgetrouter.wrap`).

    ``__wrapped__`` is the SDK's own client. ``with_options(...)`` and ``copy(...)`` return
    wrapped copies; ``with``/``async with`` enter and leave the SDK client.
    """

    def __init__(
        self, target: Any, overrides: dict[str, Any], rewrap: Callable[[Any], Any]
    ) -> None:
        for name in ("with_options", "copy"):
            method = getattr(target, name, None)
            if callable(method):
                overrides[name] = _rewrapping(method, rewrap)
        super().__init__(target, overrides)

    def __enter__(self) -> WrappedClient:
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.__wrapped__.__exit__(*exc)

    async def __aenter__(self) -> WrappedClient:
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.__wrapped__.__aexit__(*exc)


def _rewrapping(method: Callable[..., Any], rewrap: Callable[[Any], Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return rewrap(method(*args, **kwargs))

    return call
