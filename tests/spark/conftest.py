"""The Spark driver's tests share one SparkSession, ``local[2]`` on 127.0.0.1, started once per session
(about ten seconds of the JVM's start-up, paid once) and stopped after.

Where Java, pyspark, pyarrow or pandas is missing the tests skip with the reason, and fail instead when ``CI``
is set (tests/services.py; ``.ci/services`` installs Java where it is missing).
"""

from __future__ import annotations

import gc
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.services import require_spark

if TYPE_CHECKING:
    from collections.abc import Iterator

#: What pyspark warns and the suite would turn into errors, ignored in these tests only: py4j and collect
#: leave the JVM's loopback sockets to the garbage collector (ResourceWarning; each test's garbage is
#: collected in its own teardown, :func:`_collected`, so none is left for a later test to report), and
#: mapInArrow checks pandas' version with distutils' LooseVersion.
PYSPARK_WARNINGS = (
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning",
    "ignore:unclosed <socket.socket:ResourceWarning",
    "ignore:distutils Version classes are deprecated:DeprecationWarning",
)

#: Shuffle partitions of the tests' session: a test month has a few hundred units, not millions.
SHUFFLE_PARTITIONS = 4


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A SparkSession ``local[2]``: driver on 127.0.0.1, no web UI, its warehouse and scratch space in a
    temporary folder removed after."""
    require_spark()
    from pyspark.sql import SparkSession

    with tempfile.TemporaryDirectory(prefix="creatorpay-spark-") as folder:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("creatorpay-tests")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(SHUFFLE_PARTITIONS))
            .config("spark.default.parallelism", "2")
            .config("spark.sql.warehouse.dir", str(Path(folder) / "warehouse"))
            .config("spark.local.dir", str(Path(folder) / "local"))
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        try:
            yield session
        finally:
            session.stop()
            _collect()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore pyspark's warnings (:data:`PYSPARK_WARNINGS`) in the tests of this folder."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            for spec in PYSPARK_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))


@pytest.fixture(autouse=True)
def _collected() -> Iterator[None]:
    """Collect each test's garbage (the sockets PySpark leaves) before its teardown ends."""
    yield
    _collect()


def _collect() -> None:
    """Collect garbage, the sockets PySpark leaves closed without their ResourceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
