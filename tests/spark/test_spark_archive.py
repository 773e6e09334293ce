"""The class-data archive of Spark's JVM in local mode (issue 19): built by a run of its own into a temporary
name and renamed into the cache folder only once a JVM starts with it; mapped only when built whole (a JVM given
a truncated archive dies); its messages off standard output; not where the user gives java options."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core.scale import archive
from creatorpay.core.scale.spark import LOCAL_JVM, session
from tests.services import require_spark

if TYPE_CHECKING:
    from pathlib import Path

OPTIONS = LOCAL_JVM["spark.driver.extraJavaOptions"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: Any) -> Path:
    """A cache folder of the test's own; no submit arguments."""
    require_spark()
    monkeypatch.setenv("CREATORPAY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CREATORPAY_NO_CACHE", raising=False)
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    return tmp_path / "cache"


def _built(found: Path, data: bytes = b"archive") -> None:
    found.parent.mkdir(parents=True, exist_ok=True)
    found.write_bytes(data)
    found.with_name(f"{found.name}.size").write_text(str(len(data)), encoding="ascii")


def test_an_archive_is_mapped_only_when_built_whole(cache: Path, monkeypatch: Any) -> None:
    """No archive, an archive without its recorded size or of another size: nothing mapped. Built whole: mapped,
    with the JVM's class-data messages off (standard output is --format json's). No cache folder: no archive."""
    found = archive.path(OPTIONS)
    assert found is not None
    assert found.parent == cache
    assert archive.path(OPTIONS + " -Xmx3g") != found  # another JVM, another archive
    assert archive.mapped(OPTIONS) == ""
    _built(found)
    found.write_bytes(b"archiv")  # truncated after its build
    assert archive.mapped(OPTIONS) == ""
    _built(found)
    assert archive.mapped(OPTIONS).split() == [f"-XX:SharedArchiveFile={found}", *archive.QUIET]
    assert "-Xlog:cds=off" in archive.QUIET
    monkeypatch.setenv("CREATORPAY_NO_CACHE", "1")
    assert archive.path(OPTIONS) is None
    assert archive.mapped(OPTIONS) == ""


def test_local_sessions_map_the_archive_unless_the_user_gives_java_options(cache: Path, monkeypatch: Any) -> None:
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession.Builder, "getOrCreate", lambda builder: dict(builder._options))
    assert "SharedArchiveFile" not in session("local[2]")["spark.driver.extraJavaOptions"]
    found = archive.path(OPTIONS)
    assert found is not None
    _built(found)
    options = session("local[2]")["spark.driver.extraJavaOptions"].split()
    assert options[: len(OPTIONS.split())] == OPTIONS.split()
    assert f"-XX:SharedArchiveFile={found}" in options
    assert "spark.driver.extraJavaOptions" not in session("yarn")
    builds = session("local[1]", java="-XX:ArchiveClassesAtExit=x")["spark.driver.extraJavaOptions"].split()
    assert builds == [*OPTIONS.split(), "-XX:ArchiveClassesAtExit=x"]  # a build maps no archive
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", '--conf "spark.driver.extraJavaOptions=-XX:+UseG1GC" pyspark-shell')
    assert "spark.driver.extraJavaOptions" not in session("local[2]")


def test_one_build_is_started_apart_while_none_is_built(cache: Path, monkeypatch: Any) -> None:
    """After a local run with no archive, one build is started in a process of its own, its output discarded,
    without the run's submit arguments; none while a build holds the lock, once the archive is built, or where
    the user gives java options."""
    started: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **kw: started.append((argv, kw)))
    found = archive.path(OPTIONS)
    assert found is not None
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--conf spark.eventLog.enabled=true pyspark-shell")
    archive.build_later(OPTIONS)
    assert len(started) == 1
    argv, kw = started[0]
    assert argv[1:] == ["-m", "creatorpay.core.scale.archive", str(found)]
    assert "PYSPARK_SUBMIT_ARGS" not in kw["env"]  # they may name what ends with the run (its event log)
    assert kw["stdout"] == kw["stderr"] == subprocess.DEVNULL
    assert kw["start_new_session"]
    cache.mkdir(parents=True, exist_ok=True)
    lock = cache / f".{found.name}.lock"
    lock.touch()
    archive.build_later(OPTIONS)
    lock.unlink()
    _built(found)
    archive.build_later(OPTIONS)
    found.unlink()
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", '--driver-java-options "-Xss4m" --conf spark.driver.extraJavaOptions=-X')
    archive.build_later(OPTIONS)
    assert len(started) == 1


def test_a_build_renames_only_an_archive_a_jvm_starts_with(cache: Path, monkeypatch: Any) -> None:
    """The archive is written under a temporary name and renamed into place only if a JVM starts with it mapped
    (a file the JVM cannot use is dropped, the lock and temporary file removed); a fresh lock means another build
    is under way: none is started."""
    found = archive.path(OPTIONS)
    assert found is not None

    def garbage(options: str) -> bool:
        temporary = options.rpartition("=")[2]
        assert temporary.endswith(".tmp")
        assert temporary != str(found)
        with open(temporary, "wb") as out:
            out.write(b"not an archive")
        return True

    monkeypatch.setattr(archive, "_exercised", garbage)
    assert not archive.build(found)
    assert sorted(p.name for p in cache.iterdir()) == []
    assert archive.mapped(OPTIONS) == ""
    lock = cache / f".{found.name}.lock"
    lock.touch()
    monkeypatch.setattr(archive, "_exercised", lambda options: pytest.fail("a second build"))
    assert not archive.build(found)


def test_a_run_of_its_own_builds_an_archive_a_jvm_maps(cache: Path) -> None:
    """The build itself (what ``python -m creatorpay.core.scale.archive PATH`` runs, here without its lowest
    priority): a local session of its own whose JVM writes the archive as it exits; renamed into place whole
    with its size beside it, nothing else left; a JVM then starts with it mapped. About 40 processor seconds."""
    found = archive.path(OPTIONS)
    assert found is not None
    code = f"import pathlib, creatorpay.core.scale.archive as a; print(a.build(pathlib.Path({str(found)!r})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == b"True"
    assert sorted(p.name for p in cache.iterdir()) == [found.name, f"{found.name}.size"]
    assert archive.mapped(OPTIONS).startswith(f"-XX:SharedArchiveFile={found} ")
    assert archive._starts(found)
