"""Single source of the package version."""

__version__ = "0.1.0"


def library_versions() -> dict[str, str]:
    """Versions of the libraries a bundle depends on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"budgetrouter": __version__}
    for dist in ("lightgbm", "scikit-learn", "numpy", "sentence-transformers"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:  # pragma: no cover - base dependencies
            out[dist] = "missing"
    return out


def version_tuple(text: str) -> tuple[int, ...]:
    """A version string as a tuple of the digits in each dot-separated part, for ordering."""
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
