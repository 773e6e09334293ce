"""File safety of the command line (core/files.py): no output overwrites the ledger, an input or
another output; outputs are written whole or not at all; inputs must be regular files, whole-file
inputs are capped and batch lines bounded; a BOM, a file that is not a ledger, a damaged schema
version, a read-only ledger and a full disk each give a message naming the file (CORE-INPUT-01).
"""

from __future__ import annotations

import csv
import ctypes
import errno
import hashlib
import os
import sqlite3
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core import files, rows
from creatorpay.core.cli import cli as group
from creatorpay.core.cli import main
from tests.helpers import EXAMPLES, ROOT, examples
from tests.ledger.ledger_support import CLI, creators, tips, write_jsonl

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

SCENARIO = EXAMPLES / "food-vlogger.toml"
#: FIFOs, /dev/zero, file size limits and permission bits: POSIX.
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")


def cli(
    *args: str,
    cwd: Path = ROOT,
    timeout: float = 60,
    stdin: str | None = None,
    preexec: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real command in a child process (a FIFO or /dev/zero must not hang the test run)."""
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        input=stdin,
        preexec_fn=preexec,
        check=False,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def month(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An events file, a creators file and the ledger they were settled into."""
    events = write_jsonl(tmp_path / "events.jsonl", [tips("e1", yuan="10"), tips("e2", "c2", yuan="5")])
    people = creators(tmp_path / "creators.jsonl")
    db = tmp_path / "ledger.sqlite"
    done = cli("settle", str(events), "--creators", str(people), "--db", str(db), "--period", "2026-10")
    assert done.returncode == 0, done.stderr
    return events, people, db


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and all(w in done.stderr for w in words), done.stderr


# -- 1. outputs never overwrite the ledger, an input or another output -------------------------------


def test_no_output_overwrites_the_ledger_or_an_input_core_input_01(
    month: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    events, people, db = month
    (tmp_path / "link.csv").symlink_to(db)
    (tmp_path / "hard.csv").hardlink_to(events)
    before = {p: digest(p) for p in (events, people, db)}
    settle = ("settle", str(events), "--creators", str(people), "--db", str(db))
    cases = [
        ([*settle, "--rejects", str(db)], "--rejects would overwrite --db"),  # was truncated to 20 bytes
        ([*settle, "--rejects", str(tmp_path / "link.csv")], "--rejects would overwrite --db"),  # via a symlink
        ([*settle, "--rejects", str(events)], "--rejects would overwrite EVENTS"),  # was emptied: "0 read", exit 0
        ([*settle, "--rejects", str(tmp_path / "hard.csv")], "--rejects would overwrite EVENTS"),  # a hard link
        ([*settle, "--rejects", str(people)], "would overwrite --creators"),
        ([*settle, "--rejects", f"{db}-wal"], "the ledger's SQLite file"),
        (["settle", str(events), "--creators", str(people), "--db", str(people)], "--db (the ledger) would overwrite"),
        (["ledger", "export", "--db", str(db), "-o", str(db)], "--output would overwrite --db"),  # left 111 bytes
        (
            ["sweep", str(SCENARIO), "--vary", "tips.yuan=0:100:50", "--format", "csv", "--out", str(SCENARIO)],
            "--output would overwrite SCENARIO",
        ),
    ]
    for args, message in cases:
        refused(cli(*args), message)
    assert {p: digest(p) for p in before} == before


def test_settle_keeps_the_old_rejects_file_when_the_run_fails(month: tuple[Path, Path, Path]) -> None:
    """The rejects file is written whole at the end of a run, or left as it was."""
    events, people, db = month
    rejects = events.with_suffix(".rejects.csv")
    rejects.write_text("the previous run's rejects\n", encoding="utf-8")
    db.write_bytes(db.read_bytes()[:100])  # the ledger is now damaged: the run fails
    done = cli("settle", str(events), "--creators", str(people), "--db", str(db))
    assert done.returncode in (1, 2) and str(db) in done.stderr, done.stderr
    assert rejects.read_text(encoding="utf-8") == "the previous run's rejects\n"
    assert not [p for p in rejects.parent.iterdir() if p.name.endswith(".tmp")]


def test_an_output_is_replaced_whole_or_not_at_all(
    month: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, db = month
    out = tmp_path / "totals.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o640)

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # the os module creatorpay.core.files writes through
    with pytest.raises(SystemExit) as done:
        main(["ledger", "export", "--db", str(db), "-o", str(out)])
    err = capsys.readouterr().err
    assert done.value.code == 1 and f"cannot write {out}: No space left on device" in err, err
    assert "Traceback" not in err and out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    monkeypatch.undo()
    link = tmp_path / "link.csv"
    link.symlink_to(out)
    assert CliRunner().invoke(group, ["ledger", "export", "--db", str(db), "-o", str(link)]).exit_code == 0
    assert link.is_symlink() and out.read_text(encoding="utf-8").startswith("platform,creator,month")
    assert out.stat().st_mode & 0o777 == 0o640  # the file it replaced keeps its permissions


def test_disk_full_while_settling_names_the_ledger(tmp_path: Path) -> None:
    """A real write error: a 64 KiB file size limit (EFBIG, SQLite's "database or disk is full")."""
    events = write_jsonl(tmp_path / "events.jsonl", [tips("e1", yuan="10")])
    people = creators(tmp_path / "creators.jsonl")

    import resource  # POSIX only, as this module's tests

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))

    done = cli(
        "settle", str(events), "--creators", str(people), "--db", str(tmp_path / "l.sqlite"), preexec=small_files
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{tmp_path / 'l.sqlite'}" in done.stderr and "full" in done.stderr


# -- 2. non-regular and unbounded inputs --------------------------------------------------------------


def test_non_regular_inputs_are_refused_core_input_01(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    people = creators(tmp_path / "creators.jsonl")
    events_fifo = tmp_path / "events.jsonl"
    os.mkfifo(events_fifo)
    refused(cli("compare", "/dev/zero", timeout=20), "/dev/zero", "character device")  # grew to 4.9 GB
    refused(cli("compare", str(fifo), timeout=20), "named pipe")  # hung
    refused(cli("compare", str(SCENARIO), "--rules", str(fifo), timeout=20), "named pipe")
    refused(cli("rules", "validate", str(tmp_path), timeout=20), "a directory")
    refused(
        cli("settle", str(events_fifo), "--creators", str(people), "--db", str(tmp_path / "l.sqlite"), timeout=20),
        "named pipe",
    )
    assert not (tmp_path / "l.sqlite").exists()  # refused before the ledger was created
    refused(
        cli(
            "settle",
            str(tmp_path / "none.jsonl"),
            "--creators",
            "/dev/zero",
            "--db",
            str(tmp_path / "l.sqlite"),
            timeout=20,
        ),
        "no such file",
    )


def test_standard_input_is_read_where_a_scenario_is(tmp_path: Path) -> None:
    done = cli("compare", "-", "--format", "json", stdin=SCENARIO.read_text(encoding="utf-8"))
    assert done.returncode == 0 and '"platform": "xingtu"' in done.stdout, done.stderr


def test_whole_file_inputs_are_capped(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as out:
        out.truncate(files.MAX_DOCUMENT + 1)  # sparse: no disk used
    refused(cli("compare", str(big)), str(big), "larger than 16 MiB")
    refused(cli("rules", "validate", str(big)), str(big), "16 MiB")
    refused(cli("compare", "-", stdin="x" * (files.MAX_DOCUMENT + 1)), "standard input", "16 MiB")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_an_overlong_batch_line_is_a_rejected_row(tmp_path: Path, suffix: str) -> None:
    long_id = "x" * (files.MAX_LINE + 10)
    rows = [tips("e1", yuan="10"), tips(long_id, yuan="1"), tips("e3", "c2", yuan="5")]
    if suffix == ".jsonl":
        events = write_jsonl(tmp_path / "events.jsonl", rows)
    else:
        events = tmp_path / "events.csv"
        with events.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, ["id", "platform", "creator", "date", "kind", "yuan"])
            writer.writeheader()
            writer.writerows(rows)
    people = creators(tmp_path / "creators.jsonl")
    done = cli(
        "settle", str(events), "--creators", str(people), "--db", str(tmp_path / "l.sqlite"), "--period", "2026-10"
    )
    assert done.returncode == 0, done.stderr
    assert "3 read = 2 settled + 0 duplicates + 1 rejected" in done.stdout, done.stdout
    with events.with_suffix(".rejects.csv").open(encoding="utf-8", newline="") as handle:
        rejected = list(csv.reader(handle))[1:]
    line = "2" if suffix == ".jsonl" else "3"
    assert [(r[1], r[3]) for r in rejected] == [(line, "line longer than 1 MiB, the longest a batch input may have")]


# -- 3. a byte-order mark ------------------------------------------------------------------------------


def test_a_bom_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    scenario = tmp_path / "bom.toml"
    scenario.write_bytes(b"\xef\xbb\xbf" + SCENARIO.read_bytes())
    refused(cli("compare", str(scenario)), str(scenario), "byte-order mark", "without a BOM")  # "Invalid statement"
    override = tmp_path / "rules.toml"
    override.write_bytes(b'\xef\xbb\xbf[wechat_channels."WC-TIP-03"]\nmode = "marginal"\n')
    refused(cli("rules", "validate", str(override)), str(override), "without a BOM")


# -- 4. a file that is not a ledger, a damaged schema version ------------------------------------------


def test_a_db_that_is_not_a_ledger_exits_2(month: tuple[Path, Path, Path], tmp_path: Path) -> None:
    events, people, db = month
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database, but a long enough text for SQLite to read its header " * 20, encoding="utf-8")
    before = digest(text)
    refused(
        cli("settle", str(events), "--creators", str(people), "--db", str(text)), f"{text} is not a creatorpay ledger"
    )  # exited 1
    refused(cli("ledger", "export", "--db", str(text)), f"{text} is not a creatorpay ledger")
    assert digest(text) == before
    short = tmp_path / "short.sqlite"
    short.write_text("x", encoding="utf-8")  # SQLite took it for an empty database and wrote a ledger over it
    refused(cli("settle", str(events), "--creators", str(people), "--db", str(short)), "not a creatorpay ledger")
    assert short.read_text(encoding="utf-8") == "x"
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE mine (x)")
    refused(cli("settle", str(events), "--creators", str(people), "--db", str(other)), "not a creatorpay ledger")
    for found in (-3, 99):
        with sqlite3.connect(db) as conn:
            conn.execute(f"PRAGMA user_version = {found}")
        for args in (
            ["ledger", "export", "--db", str(db)],
            ["settle", str(events), "--creators", str(people), "--db", str(db)],
        ):
            refused(cli(*args), str(db), f"schema version {found}")  # -3 gave IndexError


# -- 5. a read-only ledger -----------------------------------------------------------------------------


def _without_root_override() -> None:
    """In the child: no write past file permissions, even as root (the bounding set loses
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH before exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="drops Linux capabilities when run as root")
def test_a_read_only_ledger_is_exported_and_named_when_written(month: tuple[Path, Path, Path], tmp_path: Path) -> None:
    events, people, db = month
    folder = tmp_path / "read-only"
    folder.mkdir()
    ledger = folder / "ledger.sqlite"
    ledger.write_bytes(db.read_bytes())
    ledger.chmod(0o444)
    folder.chmod(0o555)
    try:
        probe = cli("settle", "--help", preexec=_without_root_override)
        assert probe.returncode == 0
        exported = cli("ledger", "export", "--db", str(ledger), preexec=_without_root_override)
        assert exported.returncode == 0, exported.stderr  # was "attempt to write a readonly database"
        assert exported.stdout.startswith("platform,creator,month")
        done = cli(
            "settle",
            str(events),
            "--creators",
            str(people),
            "--db",
            str(ledger),
            "--rejects",
            str(tmp_path / "r.csv"),
            preexec=_without_root_override,
        )
        refused(done, str(ledger), "readonly")  # named no file, exit 1
        protected = tmp_path / "protected.csv"
        protected.write_text("keep\n", encoding="utf-8")
        protected.chmod(0o444)
        refused(
            cli("ledger", "export", "--db", str(db), "-o", str(protected), preexec=_without_root_override),
            str(protected),
            "read-only",
        )  # replaced through its writable folder
        assert protected.read_text(encoding="utf-8") == "keep\n"
    finally:
        folder.chmod(0o755)


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=12), last_newline=st.booleans()
)
def test_a_line_is_kept_whole_or_rejected_never_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[bytes], last_newline: bool
) -> None:
    """With the cap at 16 bytes: a line of at most 16 bytes (its newline aside) is read as it is, a
    longer one is one rejected record; line numbers and the bytes consumed stay exact."""
    monkeypatch.setattr(rows, "MAX_LINE", 16)
    data = b"\n".join(lines) + (b"\n" if last_newline and lines else b"")
    path = tmp_path / "events.jsonl"
    path.write_bytes(data)
    with rows.RowReader(path) as reader:
        got = list(reader.records())
        assert reader.position == len(data)
    expected = data.split(b"\n")
    if expected and expected[-1] == b"":
        expected.pop()
    assert [n for n, _ in got] == list(range(1, len(expected) + 1))
    for (_, record), line in zip(got, expected, strict=True):
        if len(line) > 16:
            assert record == rows.TOO_LONG
        else:
            assert isinstance(record, bytes) and record.rstrip(b"\n") == line


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="a./", max_size=12))
def test_a_path_is_named_as_pathlib_names_it(text: str) -> None:
    """``files.path_text`` names a path as ``str(pathlib.Path(...))`` does (the commands' messages and a
    scenario's source), whether it takes its fast path (no pathlib) or asks pathlib (issue 20)."""
    import pathlib

    assert files.path_text(text) == str(pathlib.Path(text))
    assert files.path_text(pathlib.Path(text)) == str(pathlib.Path(text))


def test_a_scenario_given_as_a_path_to_normalise_is_named_as_before(tmp_path: Path) -> None:
    """``./a//food.toml`` is still named ``a/food.toml`` in a compare's output and its errors."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "food.toml").write_bytes(SCENARIO.read_bytes())
    done = subprocess.run(
        [*CLI, "compare", "./a//food.toml", "./a//missing.toml", "--format", "json"],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert '"source": "a/food.toml"' in done.stdout
    assert "a/missing.toml: cannot read the file: no such file" in done.stderr
