"""Helpers for the plugin author kit's tests: install a package into a temporary target and run
creatorpay and pytest in subprocesses that see it (PYTHONPATH), never touching the venv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "plugins" / "creatorpay-demo-platform"
FOOD_VLOGGER = ROOT / "examples" / "food-vlogger.toml"
BUILT_IN = ("netease", "wechat_channels", "xingtu")


def environment(site: Path | None) -> dict[str, str]:
    """The current environment with ``site`` on PYTHONPATH and no plugin allow or block list."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CREATORPAY_LOAD_PLUGINS", "CREATORPAY_DISABLE_PLUGINS", "PYTEST_ADDOPTS")
    }
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def run(
    args: list[str], *, site: Path | None = None, cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd or ROOT, env=environment(site), capture_output=True, text=True, timeout=timeout, check=False
    )


def creatorpay(*args: str, site: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The ``creatorpay`` command, as ``python -c`` so it runs with this interpreter."""
    return run([sys.executable, "-c", "from creatorpay.core.cli import main; main()", *args], site=site, cwd=cwd)


def install(package: Path, tmp: Path) -> Path:
    """``pip install --no-deps --target`` a copy of ``package`` (the build writes into its source tree);
    returns the target directory to put on PYTHONPATH."""
    source = tmp / "src" / package.name
    shutil.copytree(
        package,
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache"),
    )
    site = tmp / "site"
    done = run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(source),
        ]
    )
    assert done.returncode == 0, f"pip install {package.name} failed:\n{done.stdout}\n{done.stderr}"
    return site


def run_tests(package: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """The package's own tests, with python -m pytest in its directory, as its author runs them."""
    return run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], site=site, cwd=package)


def compare_json(site: Path | None, code: int = 0) -> dict[str, Any]:
    """``compare --format json`` on the food vlogger; ``code``: the exit code expected (1: a plugin failed)."""
    done = creatorpay("compare", str(FOOD_VLOGGER), "--format", "json", site=site)
    assert done.returncode == code, done.stderr
    document = json.loads(done.stdout)
    assert isinstance(document, dict)
    return document


def plugin_reports(site: Path | None) -> dict[str, dict[str, Any]]:
    done = creatorpay("plugins", "--format", "json", site=site)
    assert done.returncode == 0, done.stderr
    return {r["name"]: r for r in json.loads(done.stdout)}


def make_venv(package: Path, root: Path) -> Path:
    """A venv of its own at ``root`` with an editable copy of ``package``; returns its python.

    This environment's pip installs the package into the venv (``--python``), ``--no-deps``, in an
    isolated build (the index gives setuptools and wheel; this environment may have neither wheel nor
    a setuptools new enough). Then a ``.pth`` file lets the venv see this environment's site-packages
    (``site.addsitedir``: the creatorpay under test, pytest, hypothesis). Nothing is installed here,
    so an example plugin never shows up in the user's own ``creatorpay compare``.
    """
    import site
    import sysconfig

    source = root / "src" / package.name
    shutil.copytree(
        package,
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache"),
    )
    venv = root / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    done = run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "-e",
            str(source),
        ]
    )
    assert done.returncode == 0, f"pip install -e {package.name} failed:\n{done.stdout}\n{done.stderr}"
    found = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    assert found.returncode == 0, found.stderr
    parents = dict.fromkeys([*site.getsitepackages(), sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    lines = "".join(f"import site; site.addsitedir({folder!r})\n" for folder in parents if os.path.isdir(folder))
    Path(found.stdout.strip(), "_creatorpay_parent.pth").write_text(lines, encoding="utf-8")
    return python


def venv_creatorpay(python: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The ``creatorpay`` command run by the venv's python."""
    return run([str(python), "-c", "from creatorpay.core.cli import main; main()", *args], cwd=cwd)
