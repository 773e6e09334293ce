"""The pytest plugin (entry point ``pytest11``): an option and two fixtures, and no tests of its own.

pytest loads it in every session where creatorpay is installed, so it imports nothing but pytest at
load time; the engine is built only when a test asks for :func:`creatorpay_engine`. Turn it off with
``-p no:creatorpay``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from creatorpay.core import Engine

MAX_EXAMPLES_OPTION = "--creatorpay-max-examples"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("creatorpay", "creatorpay plugin conformance")
    group.addoption(
        MAX_EXAMPLES_OPTION,
        type=int,
        default=None,
        metavar="N",
        dest="creatorpay_max_examples",
        help="Generated scenarios per property of PlatformConformance (default: the class's max_examples, 50).",
    )


@pytest.fixture
def creatorpay_max_examples(request: pytest.FixtureRequest) -> int | None:
    """The ``--creatorpay-max-examples`` value, or None when not given."""
    value = request.config.getoption("creatorpay_max_examples", default=None)
    return value if isinstance(value, int) else None


@pytest.fixture(scope="session")
def creatorpay_engine() -> Engine:
    """An Engine with every installed plugin (the allow and block list variables apply), built once."""
    from creatorpay.core import Engine

    return Engine()
