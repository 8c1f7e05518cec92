"""The public surface: everything public is exported, sorted, and documented."""

from __future__ import annotations

import inspect

import nudge_sdk


def isort_style(name: str) -> tuple[int, str]:
    """Constants first, then classes, then functions, as ruff's RUF022 keeps them."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted and names every public object the package exposes."""
    public = {
        name
        for name, obj in vars(nudge_sdk).items()
        if not name.startswith("_") and not inspect.ismodule(obj)  # layers are subpackages
    }
    assert sorted(nudge_sdk.__all__, key=isort_style) == nudge_sdk.__all__
    assert public == set(nudge_sdk.__all__)


def test_public_api_is_documented() -> None:
    """Every exported class and function has a docstring."""
    undocumented = [
        name
        for name in nudge_sdk.__all__
        if (inspect.isclass(obj := getattr(nudge_sdk, name)) or inspect.isfunction(obj))
        and not inspect.getdoc(obj)
    ]
    assert [] == undocumented
