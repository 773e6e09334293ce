"""Every docstring example in creatorpay.core and the plugins runs and prints what it shows (issue 18)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import creatorpay.core
import creatorpay.plugins


def _modules() -> list[str]:
    """The importable modules of the core and of each bundled plugin."""
    names = ["creatorpay.core"]
    for package in (creatorpay.core, creatorpay.plugins):
        prefix = package.__name__ + "."
        names += [info.name for info in pkgutil.walk_packages(package.__path__, prefix)]
    return sorted(set(names))


@pytest.mark.usefixtures("at_root")  # the examples name files under examples/
@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} docstring examples failed"
