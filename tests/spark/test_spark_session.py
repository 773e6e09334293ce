"""The tests' Spark: it skips with the reason where Java or pyspark is missing, but fails under CI."""

from __future__ import annotations

from typing import Any

import pytest

from tests import services


def test_missing_java_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "java", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Java was not found"):
        services.require_spark()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the Spark tests"):
        services.require_spark()


def test_the_session_runs_local_on_loopback(spark: Any) -> None:
    conf = spark.sparkContext.getConf()
    assert spark.sparkContext.master == "local[2]"
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark.range(10).selectExpr("sum(id) AS s").collect()[0]["s"] == 45
