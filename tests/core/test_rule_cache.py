"""The cache of parsed rule files (core/cache.py): an entry is used only for the same bytes and
versions, a damaged or foreign one is ignored and written again, writers never leave half an entry,
and a run with the cache gives what a run without it gives (issue 20)."""

from __future__ import annotations

import marshal
import os
import pathlib
import subprocess
import sys
import threading
import zlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Engine, load_scenario
from creatorpay.core import cache as rule_cache
from creatorpay.core.errors import RuleFileError
from tests.core.fakes import RULES, fake_platform
from tests.helpers import EXAMPLES, ROOT, scenario_dict

if TYPE_CHECKING:
    from pathlib import Path


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.rules"))


def share(engine: Engine) -> Decimal:
    """FK-TIP-01's share as the fake platform's statement pays it, on 100 CNY of tips in 2024."""
    scenario = load_scenario(scenario_dict(period="2024-06", tips={"yuan": "100"}), schema=engine.schema)
    statement = engine.settle(scenario, "fake")
    return sum((line.value for line in statement.lines if line.rule == "FK-TIP-01"), Decimal(0)) / 100


def test_an_entry_is_written_then_read(cache_folder: Path, tmp_path: Path) -> None:
    plugin = fake_platform(tmp_path)
    first = Engine(plugins={"fake": plugin}, entry_points=False)
    written = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in entries(cache_folder)}
    assert len(written) == 2  # the core's rule file and the fake platform's
    second = Engine(plugins={"fake": plugin}, entry_points=False)
    read = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in entries(cache_folder)}
    assert read == written  # read only
    assert repr(second.rulebooks["fake"]) == repr(first.rulebooks["fake"])  # (Rule == recurses through its versions)
    assert share(second) == Decimal("0.80")


def test_a_changed_rule_file_gives_the_new_value(cache_folder: Path, tmp_path: Path) -> None:
    """FK-TIP-01: the share edited in the rule file is the one paid, never the cached one."""
    plugin = fake_platform(tmp_path)
    assert share(Engine(plugins={"fake": plugin}, entry_points=False)) == Decimal("0.80")
    (tmp_path / "fake.toml").write_text(RULES.replace('share = "0.80"', 'share = "0.75"'), encoding="utf-8")
    assert share(Engine(plugins={"fake": plugin}, entry_points=False)) == Decimal("0.75")
    assert len(entries(cache_folder)) == 3  # the core's, and one for each version of the fake's


def test_a_changed_override_file_gives_the_new_value(cache_folder: Path, tmp_path: Path) -> None:
    plugin = fake_platform(tmp_path)
    override = tmp_path / "override.toml"
    for value in ("0.60", "0.65", "0.60"):
        override.write_text(f'[fake."FK-TIP-01"]\nshare = "{value}"\n', encoding="utf-8")
        engine = Engine(plugins={"fake": plugin}, entry_points=False, rules=override)
        assert share(engine) == Decimal(value)


def test_another_version_never_reads_the_entry(
    cache_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[a]\nb = 2024-01-02\nc = ["x", 1, true, 1.5]\n', encoding="utf-8")
    data = rule_cache.read_rules(path, RuleFileError)
    monkeypatch.setattr(rule_cache, "FORMAT", rule_cache.FORMAT + 1)
    calls: list[str] = []
    real = rule_cache._write

    def writing(*args: Any) -> None:
        calls.append("write")
        real(*args)

    monkeypatch.setattr(rule_cache, "_write", writing)
    assert rule_cache.read_rules(path, RuleFileError) == data
    assert calls == ["write"]  # parsed again: the entry of the other format was not used


def test_a_damaged_entry_is_ignored_and_written_again(cache_folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[a]\nb = "c"\nd = 1979-05-27T07:32:00Z\n', encoding="utf-8")
    data = rule_cache.read_rules(path, RuleFileError)
    (entry,) = entries(cache_folder)
    good = entry.read_bytes()
    for damaged in (b"", good[:10], good[:-5], good[:20] + bytes([good[20] ^ 1]) + good[21:], b"\x00" * 40):
        entry.write_bytes(damaged)
        assert rule_cache.read_rules(path, RuleFileError) == data
        assert entry.read_bytes() == good


def test_an_entry_holding_anything_but_data_is_refused(cache_folder: Path, tmp_path: Path) -> None:
    """Only plain data is taken from an entry: a code object (or a set) in a well-formed one is refused."""
    path = tmp_path / "rules.toml"
    path.write_text('[a]\nb = "c"\n', encoding="utf-8")
    rule_cache.read_rules(path, RuleFileError)
    (entry,) = entries(cache_folder)
    versions, raw = rule_cache._versions(), path.read_bytes()
    for foreign in ({"a": compile("1", "x", "eval")}, {"a": {1, 2}}, {1: "a"}, ["a"]):
        payload = marshal.dumps((versions, raw, foreign))
        entry.write_bytes(zlib.crc32(payload).to_bytes(4, "big") + payload)
        assert rule_cache._read(entry, versions, raw) is None
        assert rule_cache.read_rules(path, RuleFileError) == {"a": {"b": "c"}}


def test_no_cache_a_missing_or_unwritable_folder_change_nothing(
    cache_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = fake_platform(tmp_path)
    monkeypatch.setenv(rule_cache.NO_CACHE_ENV, "1")
    assert rule_cache.cache_dir() is None
    assert share(Engine(plugins={"fake": plugin}, entry_points=False)) == Decimal("0.80")
    assert not cache_folder.exists()
    monkeypatch.delenv(rule_cache.NO_CACHE_ENV)
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(rule_cache.CACHE_ENV, str(blocker / "cache"))  # cannot be made: a file is in the way
    assert share(Engine(plugins={"fake": plugin}, entry_points=False)) == Decimal("0.80")


def test_the_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(rule_cache.NO_CACHE_ENV, raising=False)
    monkeypatch.setenv(rule_cache.CACHE_ENV, str(tmp_path / "mine"))
    assert rule_cache.cache_dir() == str(tmp_path / "mine")
    monkeypatch.delenv(rule_cache.CACHE_ENV)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert rule_cache.cache_dir() == str(tmp_path / "xdg" / "creatorpay")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert rule_cache.cache_dir() == str(tmp_path / "home" / ".cache" / "creatorpay")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert rule_cache.cache_dir() == str(tmp_path / "home" / "Library" / "Caches" / "creatorpay")
    monkeypatch.setenv(rule_cache.NO_CACHE_ENV, "0")
    assert rule_cache.cache_dir() is not None

    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # as when no home folder can be found
    with pytest.raises(RuntimeError):
        pathlib.Path.home()  # what pathlib says then, and cache_dir follows it
    assert rule_cache.cache_dir() is None  # no home cache_folder: no cache, and no failure


def test_old_entries_are_removed(cache_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_cache, "MAX_ENTRIES", 3)
    for index in range(6):
        path = tmp_path / f"r{index}.toml"
        path.write_text(f"a = {index}\n", encoding="utf-8")
        rule_cache.read_rules(path, RuleFileError)
    assert len(entries(cache_folder)) == 3


def test_writers_at_once_never_leave_half_an_entry(cache_folder: Path, tmp_path: Path) -> None:
    """Threads of this process and another process writing and reading the same entry at once:
    every read gives the file's data, and no temporary file is left."""
    path = tmp_path / "rules.toml"
    path.write_text("\n".join(f'k{i} = "{"x" * 200}"' for i in range(400)) + "\n", encoding="utf-8")
    expected = rule_cache.read_rules(path, RuleFileError)
    (entry,) = entries(cache_folder)
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from creatorpay.core import cache\n"
        "from creatorpay.core.errors import RuleFileError\n"
        "entry, path = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "for _ in range(60):\n"
        "    entry.unlink(missing_ok=True)\n"
        "    assert len(cache.read_rules(path, RuleFileError)) == 400\n"
    )
    other = subprocess.Popen([sys.executable, "-c", code, str(entry), str(path)])
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(60):
                entry.unlink(missing_ok=True)
                assert rule_cache.read_rules(path, RuleFileError) == expected
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert other.wait(timeout=120) == 0
    assert failures == []
    assert [p.name for p in cache_folder.iterdir() if p.name.endswith(".tmp")] == []
    assert rule_cache.read_rules(path, RuleFileError) == expected


def test_the_cache_off_gives_the_same_output(cache_folder: Path) -> None:
    """``compare`` of every example: byte-identical JSON with the cache cold, warm and off."""
    examples = sorted(str(path) for path in EXAMPLES.glob("*.toml"))
    argv = [sys.executable, "-c", "from creatorpay.core.cli import main; main()", "compare", *examples]
    argv += ["--format", "json"]
    env = dict(os.environ, CREATORPAY_CACHE_DIR=str(cache_folder))
    outputs = [subprocess.run(argv, capture_output=True, env=env, cwd=ROOT, check=False).stdout for _ in range(2)]
    assert entries(cache_folder)
    off = {**env, "CREATORPAY_NO_CACHE": "1"}
    outputs.append(subprocess.run(argv, capture_output=True, env=off, cwd=ROOT, check=False).stdout)
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]


def test_a_scenario_file_is_cached_too(cache_folder: Path) -> None:
    """Scenarios are read through the cache (issue 20): an entry is written, and read back equal."""
    first = load_scenario(EXAMPLES / "food-vlogger.toml")
    assert len(entries(cache_folder)) == 1
    assert load_scenario(EXAMPLES / "food-vlogger.toml") == first


def test_the_parser_version_is_the_same_read_from_its_file_or_imported() -> None:
    code = (
        "import sys\nfrom creatorpay.core import cache\nbefore = cache._parser_version()\n"
        "assert 'tomli' not in sys.modules, 'imported'\nimport tomli\n"
        "print(before == cache._parser_version(), tomli.__version__ in before)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]
