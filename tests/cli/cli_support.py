"""Shared helpers for the CLI tests: the command group through click's runner, and the console entry
point with its exit code."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from creatorpay.core.cli import cli, main


def invoke(*args: str) -> Result:
    """The command group in-process; exceptions propagate (a test sees a traceback as a failure)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The console entry point as a user runs it: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err
