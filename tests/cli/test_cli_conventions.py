"""The conventions of a mature CLI (issue 17): several files checked in one run with the worst exit
code, ``-`` for standard input, ``-o/--output`` on every command that writes a document, global
options after the subcommand, "did you mean", shell completion, colour, ``-q``, a pager, and
defaults from ``creatorpay.toml`` and ``CREATORPAY_*`` variables. Each test runs the real command:
click's runner on ``cli``, ``main`` as the console script calls it, or the ``creatorpay`` script.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.cli import GLOBAL_FLAGS, GLOBAL_VALUED, cli, hoist_globals, main
from tests.helpers import EXAMPLES, examples

#: The installed console script, beside the interpreter running the tests.
SCRIPT = str(Path(sys.executable).parent / "creatorpay")
FOOD = EXAMPLES / "food-vlogger.toml"
VIOLATING = EXAMPLES / "co-creation-terminated.toml"  # XT-CC-02 and XT-CC-03 violations
CONFIG_VARIABLES = (
    "CREATORPAY_RULES",
    "CREATORPAY_PLATFORM",
    "CREATORPAY_FORMAT",
    "CREATORPAY_CPM",
    "NO_COLOR",
    "FORCE_COLOR",
    "PAGER",
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working folder and a home with no creatorpay.toml, and no CREATORPAY_* defaults or colour
    settings from the environment running the tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """``main`` as the console script runs it: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def script(
    *args: str | Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed ``creatorpay`` script in a child process, its output piped."""
    return subprocess.run(
        [SCRIPT, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        env={**os.environ, **(env or {})},
        check=False,
    )


def bad_file(folder: Path, name: str = "bad.toml") -> Path:
    path = folder / name
    path.write_text("schema = 1\n", encoding="utf-8")
    return path


# -- several files ---------------------------------------------------------------------------------------


def test_validate_checks_every_file_and_exits_with_the_worst_code_core_input_01(
    capsys: pytest.CaptureFixture[str], isolated: Path
) -> None:
    first, second = bad_file(isolated, "a.toml"), bad_file(isolated, "b.toml")
    code, out, err = run(capsys, "validate", first, VIOLATING, second, FOOD)
    assert code == 2
    assert f"{first}: period: required key is missing" in err and f"{second}: period" in err
    assert "XT-CC-02" in out and "XT-CC-03" in out  # the violating file was still checked
    assert "2 violations, 2 of 4 files unusable" in out and "Traceback" not in err
    assert run(capsys, "validate", VIOLATING, FOOD)[0] == 1
    assert run(capsys, "validate", FOOD, FOOD)[0] == 0


def test_compare_settles_the_good_files_beside_a_bad_one(capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    bad = bad_file(isolated)
    code, out, err = run(capsys, "compare", FOOD, bad, VIOLATING, "--format", "json")
    assert code == 2 and f"{bad}: period: required key is missing" in err
    assert [doc["scenario"]["source"] for doc in json.loads(out)] == [str(FOOD), str(VIOLATING)]
    code, out, _ = run(capsys, "compare", FOOD, bad, "--format", "csv")
    assert code == 2 and f"{FOOD},2026-10,xingtu,ok" in out
    # 2 (bad input) over 1 (--strict and a violation) over 0
    assert run(capsys, "compare", VIOLATING, bad, "--strict")[0] == 2
    assert run(capsys, "compare", VIOLATING, FOOD, "--strict")[0] == 1


# -- standard input and -o/--output ----------------------------------------------------------------------


def test_a_dash_reads_standard_input_in_every_command_that_reads_a_scenario() -> None:
    text = FOOD.read_text(encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["validate", "-"],
        ["compare", "-", "--format", "json"],
        ["explain", "-", "--format", "json"],
        ["sweep", "-", "--vary", "tips.yuan=0:100:50", "--format", "csv"],
    ):
        done = runner.invoke(cli, args, input=text, catch_exceptions=False)
        assert done.exit_code == 0, (args, done.output)
    override = '[wechat_channels."WC-TIP-03"]\nmode = "marginal"\n'
    done = runner.invoke(
        cli,
        ["compare", str(FOOD), "--rules", "-", "--platform", "wechat_channels", "--format", "json"],
        input=override,
        catch_exceptions=False,
    )
    assert json.loads(done.output)["results"][0]["platform"] == "wechat_channels"


@pytest.mark.parametrize(
    "args",
    [
        ["compare", str(FOOD), "--format", "csv"],
        ["explain", str(FOOD), "--platform", "xingtu"],
        ["sweep", str(FOOD), "--vary", "tips.yuan=0:100:50", "--format", "csv"],
    ],
)
def test_output_writes_the_document_to_a_file_and_never_over_an_input(
    capsys: pytest.CaptureFixture[str], isolated: Path, args: list[str]
) -> None:
    printed = run(capsys, *args)[1]
    target = isolated / "out.txt"
    for spelling in ("-o", "--output"):
        target.unlink(missing_ok=True)
        code, out, _ = run(capsys, *args, spelling, target)
        assert code == 0 and out in ("", f"wrote {target}\n")  # sweep says so on stdout, the others on stderr
        assert target.read_text(encoding="utf-8") == printed
        assert not [p for p in isolated.iterdir() if p.name.endswith(".tmp")]
    copy = isolated / "copy.toml"
    copy.write_bytes(FOOD.read_bytes())
    code, _, err = run(capsys, *[str(copy) if a == str(FOOD) else a for a in args], "-o", copy)
    assert code == 2 and "--output would overwrite SCENARIO" in err
    assert copy.read_bytes() == FOOD.read_bytes()
    assert run(capsys, *args, "-o", "-")[1] == printed


def test_a_chart_to_standard_output_is_the_document_and_the_findings_go_to_stderr(
    capsys: pytest.CaptureFixture[str], isolated: Path
) -> None:
    pytest.importorskip("matplotlib")
    done = subprocess.run(
        [SCRIPT, "sweep", str(FOOD), "--vary", "tips.yuan=0:10000:500", "--format", "png", "-o", "-"],
        capture_output=True,
        timeout=120,
        cwd=isolated,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith(b"\x89PNG") and b"Cliffs" in done.stderr
    assert list(isolated.iterdir()) == []  # no file named - (nor a default chart name)


def test_the_table_written_with_output_is_plain_even_when_colour_is_forced(
    capsys: pytest.CaptureFixture[str], isolated: Path
) -> None:
    target = isolated / "table.txt"
    assert run(capsys, "--color", "always", "compare", FOOD, "-o", target)[0] == 0
    assert "\x1b[" not in target.read_text(encoding="utf-8") and "Gross income" in target.read_text(encoding="utf-8")


# -- global options, did you mean --------------------------------------------------------------------------


def test_global_options_are_accepted_after_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "compare", FOOD, "--format", "json", "--disable-plugin", "netease", "--debug", "--color=never", "-q"
    )
    assert code == 0 and "netease" not in [r["platform"] for r in json.loads(out)["results"]]
    code, out, _ = run(capsys, "rules", "show", "xingtu", "--no-pager", "--disable-plugin=netease")
    assert code == 0 and out.startswith("xingtu at ")
    # after --, a global option's name is an argument like any other
    assert hoist_globals(["validate", "--", "--debug"]) == ["validate", "--", "--debug"]


_TOKENS = st.sampled_from(["x.toml", "--platform", "xingtu", "--format", "json", "-o", "out.csv", "--strict"])
_GLOBALS = st.one_of(
    st.sampled_from(GLOBAL_FLAGS).map(lambda flag: [flag]),
    st.tuples(st.sampled_from(GLOBAL_VALUED), st.sampled_from(["netease", "never"])).map(list),
)


@settings(max_examples=examples(60))
@given(
    before=st.lists(_GLOBALS, max_size=3), after=st.lists(st.one_of(_TOKENS.map(lambda t: [t]), _GLOBALS), max_size=8)
)
def test_hoisting_moves_only_the_global_options_and_keeps_every_order(
    before: list[list[str]], after: list[list[str]]
) -> None:
    def is_global(group: list[str]) -> bool:
        return group[0] in GLOBAL_FLAGS or group[0] in GLOBAL_VALUED

    flat = [arg for group in before for arg in group]
    moved = [arg for group in after if is_global(group) for arg in group]
    kept = [arg for group in after if not is_global(group) for arg in group]
    args = flat + ["compare"] + [arg for group in after for arg in group]
    assert hoist_globals(args) == flat + moved + ["compare"] + kept
    assert hoist_globals(hoist_globals(args)) == hoist_globals(args)


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["comapre", "x.toml"], "Did you mean 'compare'?"),
        (["ledger", "exprot", "--db", "x"], "Did you mean 'export'?"),
        (["rules", "shwo"], "Did you mean 'show'?"),
        (["compare", str(FOOD), "--formt", "json"], "'--format'"),
    ],
)
def test_did_you_mean_for_commands_and_options(capsys: pytest.CaptureFixture[str], args: list[str], hint: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2 and hint in err, err


def test_did_you_mean_for_a_scenario_key_core_input_01(capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    path = isolated / "typo.toml"
    path.write_text('schema = 1\nperiod = "2026-10"\n[creator]\nid = "me"\nfolowers = 3\n', encoding="utf-8")
    code, _, err = run(capsys, "validate", path)
    assert code == 2 and f"{path}: creator.folowers: unknown key" in err and "did you mean 'followers'?" in err


# -- shell completion ---------------------------------------------------------------------------------------


def complete(shell: str, words: str) -> list[str]:
    """What the completion script asks the program for, as click's protocol for ``shell`` answers."""
    parts = words.split(" ")
    env = {"_CREATORPAY_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    done = script(env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_shell_completion_scripts_and_platform_names() -> None:
    for shell, marker in (
        ("bash", "complete -o nosort -F"),
        ("zsh", "#compdef creatorpay"),
        ("fish", "complete --no-files --command creatorpay"),
    ):
        done = script(env={"_CREATORPAY_COMPLETE": f"{shell}_source"})
        assert done.returncode == 0 and marker in done.stdout, (shell, done.stdout[:200])
    assert "plain,wechat_channels" in complete("bash", "creatorpay compare x.toml --platform we")
    assert "plain,xingtu" in complete("bash", "creatorpay rules show x")
    assert "plain,netease" in complete("bash", "creatorpay explain x.toml --platform n")
    assert "plain,compare" in complete("bash", "creatorpay comp")


def test_shell_completion_of_sweep_fields() -> None:
    found = complete("bash", "creatorpay sweep x.toml --vary tips.")
    assert {"plain,tips.yuan=", "plain,tips.beans_android=", "plain,tips.beans_ios="} <= set(found)
    assert "plain,platform.xingtu.followers=" in complete("bash", "creatorpay sweep x.toml --vary platform.x")
    assert "plain,orders[0].amount=" in complete("bash", "creatorpay sweep x.toml --vary orders")


# -- colour, quiet, pager -----------------------------------------------------------------------------------


def test_colour_follows_no_color_force_color_and_the_option() -> None:
    args = ["compare", str(FOOD), "--platform", "xingtu"]
    assert "\x1b[" not in script(*args).stdout  # piped: plain
    assert "\x1b[" in script(*args, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in script(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[" in script("--color", "always", *args).stdout
    assert "\x1b[" not in script(*args, "--color", "never", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in script(*args, "--color", "always", env={"NO_COLOR": "1"}).stdout


def test_quiet_prints_only_errors_and_the_document(capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    assert run(capsys, "validate", FOOD)[1].startswith("ok: 1 scenario")
    assert run(capsys, "validate", FOOD, "-q")[1:] == ("", "")
    assert run(capsys, "-q", "compare", FOOD, "-o", isolated / "t.txt")[1:] == ("", "")
    assert run(
        capsys, "sweep", FOOD, "--vary", "tips.yuan=0:100:50", "--format", "csv", "-o", isolated / "s.csv", "--quiet"
    )[1:] == ("", "")
    code, out, _ = run(capsys, "validate", VIOLATING, "-q")
    assert code == 1 and "XT-CC-02" in out and "violations" not in out


def on_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """The script with a pseudo-terminal as stdin and stdout: exit code and what the terminal showed."""
    leader, follower = pty.openpty()
    # stderr is a pipe nobody reads but must be closed (a ResourceWarning otherwise): hence the with.
    with subprocess.Popen(
        [SCRIPT, *args],
        stdin=follower,
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
        close_fds=True,
    ) as child:
        os.close(follower)
        shown = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                child.kill()
                raise AssertionError("no output in 60 s")
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        os.close(leader)
        return child.wait(timeout=60), shown.decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_long_explain_and_rules_output_is_paged_on_a_terminal_only(isolated: Path) -> None:
    pager = isolated / "pager.py"
    pager.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.stdin.read())\n", encoding="utf-8")
    paged = isolated / "paged.txt"
    env = {"PAGER": f"{sys.executable} {pager} {paged}", "LINES": "10", "COLUMNS": "120", "TERM": "xterm"}
    code, shown = on_a_terminal("explain", str(FOOD), "--platform", "xingtu", env=env)
    assert code == 0 and "XT-" in paged.read_text(encoding="utf-8") and "XT-" not in shown
    paged.unlink()
    code, _ = on_a_terminal("rules", "show", "netease", env=env)
    assert code == 0 and paged.read_text(encoding="utf-8").startswith("netease at ")
    paged.unlink()
    code, shown = on_a_terminal("explain", str(FOOD), "--platform", "xingtu", "--no-pager", env=env)
    assert code == 0 and "XT-" in shown and not paged.exists()
    short = {**env, "LINES": "500"}  # fits on the screen: printed
    assert on_a_terminal("explain", str(FOOD), "--platform", "xingtu", env=short)[0] == 0 and not paged.exists()
    assert "XT-" in script("explain", str(FOOD), "--platform", "xingtu", env=env).stdout  # piped: never paged
    assert not paged.exists()


# -- config file and CREATORPAY_* variables ------------------------------------------------------------------


def user_config(text: str) -> Path:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "creatorpay"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "creatorpay.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_come_from_the_option_env_working_folder_then_user_file(
    capsys: pytest.CaptureFixture[str], isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = user_config('format = "csv"\nplatform = ["netease", "xingtu"]\ncpm = 12.5\n')
    code, out, _ = run(capsys, "compare", FOOD)
    assert code == 0 and out.startswith("scenario,period,platform") and ",netease," in out and "wechat" not in out
    (isolated / "creatorpay.toml").write_text('format = "json"\nplatform = "xingtu"\n', encoding="utf-8")
    doc = json.loads(run(capsys, "compare", FOOD)[1])
    assert [r["platform"] for r in doc["results"]] == ["xingtu"] and "traffic_cny" in doc["results"][0]
    monkeypatch.setenv("CREATORPAY_PLATFORM", "wechat_channels,netease")
    doc = json.loads(run(capsys, "compare", FOOD)[1])
    assert [r["platform"] for r in doc["results"]] == ["wechat_channels", "netease"]
    assert run(capsys, "compare", FOOD, "--format", "table", "--platform", "xingtu")[1].startswith("Food vlogger")
    # a format a command does not offer leaves its own default: explain has text and json, not csv
    monkeypatch.setenv("CREATORPAY_FORMAT", "csv")
    assert run(capsys, "explain", FOOD, "--platform", "xingtu")[1].startswith("xingtu")
    code, out, _ = run(capsys, "config")
    assert code == 0
    assert "format   = csv  (CREATORPAY_FORMAT)" in out
    assert "platform = wechat_channels, netease  (CREATORPAY_PLATFORM)" in out
    assert f"cpm      = 12.5  ({user})" in out and "rules    = (not set)  (default)" in out
    settings_ = json.loads(run(capsys, "config", "--format", "json")[1])["settings"]
    assert settings_["cpm"] == {"value": "12.5", "source": str(user)}


def test_rules_in_a_config_file_are_relative_to_its_folder(capsys: pytest.CaptureFixture[str]) -> None:
    user = user_config('rules = "marginal.toml"\nplatform = "wechat_channels"\nformat = "json"\n')
    (user.parent / "marginal.toml").write_text('[wechat_channels."WC-TIP-03"]\nmode = "marginal"\n', encoding="utf-8")
    doc = json.loads(run(capsys, "compare", EXAMPLES / "live-anchor.toml")[1])
    assert doc["results"][0]["totals"]["fees"] == "-10500.00"  # WC-TIP-03 marginal, as with --rules


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('formt = "json"\n', ["formt: unknown key", "did you mean 'format'?"]),
        ('format = "yaml"\n', ["format: unknown format 'yaml'"]),
        ('cpm = "lots"\n', ["cpm: expected CNY per 1,000 impressions"]),
        ("platform = 3\n", ["platform: expected a name or a list of names"]),
        ("format = \n", ["not valid TOML"]),
    ],
)
def test_a_bad_config_file_is_exit_2_naming_the_file_and_key(
    capsys: pytest.CaptureFixture[str], isolated: Path, text: str, words: list[str]
) -> None:
    path = isolated / "creatorpay.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "compare", FOOD)
    assert code == 2 and err.startswith(f"error: {path}") and all(w in err for w in words), err
    assert "Traceback" not in err


def test_a_bad_variable_or_platform_default_names_where_it_came_from(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREATORPAY_CPM", "-1")
    code, _, err = run(capsys, "compare", FOOD)
    assert code == 2 and "CREATORPAY_CPM" in err and "expected CNY per 1,000 impressions" in err
    monkeypatch.delenv("CREATORPAY_CPM")
    monkeypatch.setenv("CREATORPAY_PLATFORM", "wechat")
    code, _, err = run(capsys, "compare", FOOD)
    assert code == 2 and "--platform (default from CREATORPAY_PLATFORM)" in err and "'wechat'" in err
