"""How the command line starts (issue 20, docs/performance.md "Start-up"): the garbage collector
tuned for the process of one command, and left alone for a caller running a command in-process."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest

from tests.cli.cli_support import run_main
from tests.helpers import ROOT

#: Prints, when the process ends, the collector's state after the command ran.
_REPORT_AT_EXIT = (
    "import atexit, gc, json\n"
    "atexit.register(lambda: print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0], gc.isenabled()])))\n"
)


def _console(*args: str) -> list[int]:
    code = _REPORT_AT_EXIT + "from creatorpay.core.cli import main\nmain()\n"
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    report: list[int] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_the_console_command_freezes_what_exists_at_its_end() -> None:
    frozen, first_generation, enabled = _console("compare", "examples/food-vlogger.toml", "--format", "json")
    assert frozen > 10_000  # the modules' objects and the run's: the last collection at exit walks none
    assert first_generation == 50_000
    assert enabled


def test_a_command_run_in_process_leaves_the_collector_as_it_was(
    capsys: pytest.CaptureFixture[str], at_root: None
) -> None:
    before = gc.get_freeze_count(), gc.get_threshold(), gc.isenabled()
    assert run_main(capsys, "compare", "examples/food-vlogger.toml", "--format", "json")[0] == 0
    assert (gc.get_freeze_count(), gc.get_threshold(), gc.isenabled()) == before


@pytest.mark.parametrize("enabled", [True, False])
def test_importing_the_core_leaves_the_collector_as_it_was(enabled: bool) -> None:
    code = (
        f"import gc\nif not {enabled}: gc.disable()\n"
        "import creatorpay.core\nprint(gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()[0])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(enabled), "0", "700"]


def test_importing_the_core_moves_its_objects_to_the_oldest_generation_unless_objects_are_frozen() -> None:
    code = (
        "import gc\nfrom creatorpay.core import engine\n"
        "print(any(o is engine.Engine for o in gc.get_objects(generation=2)), gc.get_freeze_count())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "0"]  # in the oldest generation, none collected, nothing left frozen
    frozen = "import gc\nkept = [[] for _ in range(1000)]\ngc.freeze()\nbefore = gc.get_freeze_count()\n"
    code = frozen + "import creatorpay.core\nprint(gc.get_freeze_count() > before // 2 > 0)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"  # a process's own frozen objects stay frozen


@pytest.mark.parametrize("enabled", [True, False])
def test_importing_the_command_line_collects_nothing_and_leaves_the_collector_as_it_was(enabled: bool) -> None:
    """click's and the core's imports run with the collector paused (issue 20): no collection walks
    their objects, which end in the oldest generation, and the collector is as it was."""
    code = (
        f"import gc, creatorpay\nif not {enabled}: gc.disable()\n"
        "started = []\ngc.callbacks.append(lambda phase, info: started.append(phase == 'start'))\n"
        "from creatorpay.core import cli\n"
        "print(sum(started), gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()[0])\n"
        "print(any(o is cli.click.Group for o in gc.get_objects(generation=2)))"
    )
    # bytecode written by the first run: compiling a changed module's source is not the import's work
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-c", code]
    runs = [subprocess.run(command, capture_output=True, text=True, check=True, env=env) for _ in "12"]
    assert runs[1].stdout.split() == ["0", str(enabled), "0", "700", str(enabled)]
