"""A class-data archive for Spark's JVM in local mode: the classes a run loads, mapped at the next start.

Spark's JVM loads, parses and verifies some ten thousand classes as it starts and runs its first
queries: on the 2-core machine of docs/scale.md, a session and one small query took the JVM 16 to 19
processor seconds, 9 to 11 with a dynamic class-data archive of those classes (``-XX:SharedArchiveFile``).

The archive is made by a run of its own (:func:`build`, started by :func:`build_later` after a local run
that found none: a process apart, at the lowest priority, its output discarded): a small local session
exercising what a run does (Arrow tasks, a shuffle, a broadcast join, ``sha2``, a partitioned Parquet
write) whose JVM writes the classes it loaded as it exits (``-XX:ArchiveClassesAtExit``) into a
temporary name; once that JVM has exited whole, the file is renamed into place. A killed build leaves
only its temporary file (removed by the next build); two builds at once are kept apart by a lock file.
It lives in the cache folder (:func:`~creatorpay.core.cache.cache_dir`; ``CREATORPAY_NO_CACHE=1``: no
archive), named by the Java runtime and the pyspark it was made for. The JVM checks the archive as it maps
it and starts without it where it does not fit; its class-data messages are turned off (``--format json``
owns standard output).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

#: A build's lock older than this (seconds) is a build that died: another may start.
STALE = 3600
#: The JVM's options that map the archive, its messages turned off (they would go to standard output).
QUIET = ("-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off")


def java_home() -> Path | None:
    """The Java runtime pyspark starts (``JAVA_HOME``, else ``java`` on the path), None if none."""
    home = os.environ.get("JAVA_HOME", "")
    if home:
        return Path(home).resolve()
    found = shutil.which("java")
    return Path(found).resolve().parent.parent if found else None


def _runtime(home: Path) -> str | None:
    """The runtime's exact version, from its ``release`` file (None: unknown, no archive)."""
    try:
        text = (home / "release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "JAVA_RUNTIME_VERSION":
            return value.strip().strip('"') or None
    return None


def path(options: str) -> Path | None:
    """Where the archive for this Java runtime, this pyspark and the JVM's ``options`` lives (it may not
    exist yet); None when there is no cache folder, the runtime is unknown or the path holds a space
    (Spark's java options are split at spaces)."""
    from ..cache import cache_dir

    folder = cache_dir()
    home = java_home()
    runtime = _runtime(home) if home is not None else None
    if folder is None or runtime is None:
        return None
    import pyspark

    key = "|".join((str(home), runtime, str(Path(pyspark.__file__).parent), pyspark.__version__, options))
    found = Path(folder) / f"spark-{pyspark.__version__}-java-{runtime}-{zlib.crc32(key.encode()):08x}.jsa"
    return None if any(c.isspace() for c in str(found)) else found


def _size(found: Path) -> Path:
    """The file beside an archive holding its size, written once the archive was checked and renamed
    into place: a JVM given a truncated archive dies (SIGBUS) rather than starting without it."""
    return found.with_name(f"{found.name}.size")


def _whole(found: Path) -> bool:
    """Whether ``found`` is an archive built whole: its size what its build recorded."""
    try:
        return _size(found).read_text(encoding="ascii") == str(found.stat().st_size)
    except (OSError, UnicodeDecodeError):
        return False


def mapped(options: str) -> str:
    """The JVM options that map the archive for ``options`` if it has been built whole, else none (empty)."""
    found = path(options)
    if found is None or not _whole(found):
        return ""
    return " ".join((f"-XX:SharedArchiveFile={found}", *QUIET))


def build_later(options: str) -> None:
    """Start :func:`build` in a process of its own if the archive for the JVM's ``options`` (local
    mode's) is not built yet: detached from this one (it may outlive it), at the lowest priority, its
    output discarded. Not where the submit arguments give java options (no archive is mapped then)."""
    found = path(options)
    if found is None or _whole(found) or _locked(_lock(found)):
        return
    if "spark.driver.extraJavaOptions" in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return
    alone = {name: value for name, value in os.environ.items() if name != "PYSPARK_SUBMIT_ARGS"}
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-m", __name__, str(found)],
            env=alone,  # the submit arguments may name what ends with this run (an event log's folder)
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )


def _lock(found: Path) -> Path:
    return found.with_name(f".{found.name}.lock")


def _locked(lock: Path) -> bool:
    """Whether a build holding ``lock`` is under way (a lock older than :data:`STALE` is not)."""
    try:
        return time.time() - lock.stat().st_mtime < STALE
    except OSError:
        return False


def build(found: Path) -> bool:
    """Make the archive ``found`` with a JVM of local mode (:func:`.spark.session`): written by that
    JVM as it exits into a temporary name, renamed into place once it has exited whole. False if
    another build holds the lock or the JVM did not write it whole."""
    found.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(found)
    if _locked(lock):
        return False
    lock.unlink(missing_ok=True)  # a stale lock: its build died
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        return False
    temporary = found.with_name(f".{found.name}.{os.getpid()}.tmp")
    try:
        for stale in found.parent.glob(f".{found.name}.*.tmp"):  # left by builds that were killed
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime > STALE:
                    stale.unlink()
        if not _exercised(f"-XX:ArchiveClassesAtExit={temporary}") or not _starts(temporary):
            return False
        size = temporary.stat().st_size
        os.replace(temporary, found)
        written = found.with_name(f".{found.name}.{os.getpid()}.size")
        written.write_text(str(size), encoding="ascii")
        os.replace(written, _size(found))
        return True
    finally:
        temporary.unlink(missing_ok=True)
        lock.unlink(missing_ok=True)


def _starts(archive: Path) -> bool:
    """Whether a JVM starts with ``archive`` mapped ("sharing" in its version line; a file the JVM did
    not write whole kills it, one it cannot use leaves it out)."""
    home = java_home()
    if home is None or not archive.is_file():
        return False
    java = [str(home / "bin" / "java"), f"-XX:SharedArchiveFile={archive}", *QUIET, "-XX:+UseParallelGC", "-version"]
    try:
        done = subprocess.run(java, capture_output=True, check=False, timeout=120, cwd=archive.parent)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and b"sharing" in done.stderr


def _exercised(options: str) -> bool:
    """A local session (its JVM started with local mode's options and ``options``) running what a run
    runs, stopped, and its JVM waited for (it writes the archive as it exits, even after a failure):
    whether all of it went well."""
    from pyspark import SparkContext

    from .spark import session

    spark = session("local[1]", java=options)
    gateway: Any = SparkContext._gateway
    process = getattr(gateway, "proc", None)
    ran = False
    try:
        with tempfile.TemporaryDirectory(prefix="creatorpay-archive-") as folder:
            _exercise(spark, Path(folder))
        ran = True
    except Exception:  # no archive then; the JVM is still waited for
        ran = False
    finally:
        spark.stop()
        if process is not None:
            gateway.shutdown()
            if process.stdin is not None:
                process.stdin.close()  # the JVM exits when its standard input closes
            try:
                process.wait(timeout=600)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return ran and process is not None and process.returncode == 0


def _same(batches: Any) -> Any:
    yield from batches


def _exercise(spark: Any, folder: Path) -> None:
    """What a run asks of Spark, small: Arrow tasks, caches, shuffles, joins, ``sha2``, partitioned
    Parquet written and read."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    schema = "month string, platform string, id string, n long, body binary"
    rows = [("2026-10", f"p{i % 3}", f"e{i}", i, b"x") for i in range(200)]
    frame = spark.createDataFrame(rows, schema, verifySchema=False).repartition(2).persist()
    counted = frame.groupBy("id").count().filter("count > 1").select("id")
    counted.isEmpty()
    settled = (
        frame.join(counted, "id", "left_anti")
        .unionByName(frame.join(counted, "id", "left_semi"))
        .repartition(2, "platform", "id")
        .sortWithinPartitions("platform", "id")
        .mapInArrow(_same, schema)
        .persist(StorageLevel.DISK_ONLY)
    )
    settled.filter("n > 3").select("id", "n").collect()
    keys = spark.createDataFrame([("p0", 1), ("p1", 2)], "platform string, statement long", verifySchema=False)
    out = (
        settled.join(F.broadcast(keys), "platform", "left")
        .withColumn("digest", F.sha2(F.concat_ws(",", F.col("statement").cast("string"), "id"), 256))
        .repartition(2, "month", "platform")
        .sortWithinPartitions("month", "platform", "id")
    )
    written = str(folder / "t")
    out.write.partitionBy("month", "platform").option("compression", "zstd").mode("overwrite").parquet(written)
    spark.read.parquet(written).count()
    settled.unpersist()
    frame.unpersist()


if __name__ == "__main__":
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)
    sys.exit(0 if build(Path(sys.argv[1])) else 1)
