"""The cache of attrs' generated methods (core/codecache.py, issue 20): every class of the package and
its plugins gets the same methods from it as from attrs' own compile, whether the cache compiled them,
read them or swapped the per-process ``__hash__`` number in them; a damaged entry or an attrs without
the wrapped function falls back to attrs silently; ``CREATORPAY_NO_CACHE=1`` turns it off."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import codecache
from tests.helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

#: Imports every module of the package and the bundled plugins (a compare's and the other commands'),
#: then writes, for each attrs class of creatorpay, every function of its namespace: its code (compared
#: with ==: bytecode, constants, names, positions, flags), file name and qualified name.
_DUMP = """
import importlib, marshal, pkgutil, sys, attrs
import creatorpay.core, creatorpay.plugins
from creatorpay.core import codecache
for package in (creatorpay.core, creatorpay.plugins):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not info.name.startswith(("creatorpay.core.scale.spark", "creatorpay.core.postgres")):
            importlib.import_module(info.name)
methods = {}
for name, module in list(sys.modules.items()):
    if not name.startswith("creatorpay."):
        continue
    for value in list(vars(module).values()):
        # A class kept in another module than its __module__ (scenario_rare.py, statement_rare.py) is found there.
        if isinstance(value, type) and attrs.has(value) and value.__module__.startswith("creatorpay."):
            for key, item in vars(value).items():
                code = getattr(item, "__code__", None)
                if code is not None:
                    where = f"{value.__module__}.{value.__qualname__}.{key}"
                    methods[where] = (code, code.co_filename, code.co_qualname)
state = codecache._installed[0] if codecache._installed else None
counts = (len(state.used), len(state.new)) if state else (-1, -1)
codecache.save()
sys.stdout.buffer.write(marshal.dumps((methods, *counts)))
"""


def _methods(folder: Path | None, seed: int) -> tuple[dict[str, Any], int, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATORPAY_")}
    env["PYTHONHASHSEED"] = str(seed)
    if folder is None:
        env["CREATORPAY_NO_CACHE"] = "1"
    else:
        env["CREATORPAY_CACHE_DIR"] = str(folder)
    done = subprocess.run([sys.executable, "-c", _DUMP], capture_output=True, env=env, cwd=ROOT, check=True)
    methods, used, new = marshal.loads(done.stdout)  # noqa: S302 (our own child process)
    return methods, used, new


def test_classes_get_the_same_methods_with_the_cache_as_from_attrs(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    own, used, new = _methods(None, 0)
    assert used == new == -1  # off: attrs compiles
    assert len(own) > 300  # the __init__, __eq__, __hash__... of a hundred classes
    compiled, used, new = _methods(folder, 0)
    assert new > 50 and used == 0
    assert compiled == own
    read, used, new = _methods(folder, 0)
    assert new == 0 and used > 50
    assert read == own
    # Another process's hash numbers: the codes read are those compiled with the number swapped in.
    other_own, _, _ = _methods(None, 12345)
    other_read, used, new = _methods(folder, 12345)
    assert used > 50
    assert other_read == other_own != own


@pytest.mark.parametrize(("old", "new"), [("1234567890123456789", "9876543210987654321"), ("-123456", "-654321")])
def test_a_hash_number_swapped_gives_the_code_compiled_with_it(old: str, new: str) -> None:
    script = (
        "def __hash__(self):\n        return hash((\n                {},\n                self.a,\n            ))\n"
    )
    masked, literal = codecache._masked(script.format(old))
    assert literal == old
    assert codecache._masked(script.format(new))[0] == masked
    assert codecache._shape(old) == codecache._shape(new)
    compiled = compile(script.format(old), "<attrs generated methods creatorpay.x.A>", "exec")
    swapped, count = codecache._swap(compiled, int(old), int(new))
    assert count == 1
    assert swapped == compile(script.format(new), "<attrs generated methods creatorpay.x.A>", "exec")


def test_shapes_are_sign_and_length() -> None:
    assert [codecache._shape(x) for x in ("123", "-123", None)] == ["+3", "-3", ""]


def test_a_damaged_code_is_compiled_again(tmp_path: Path) -> None:
    cache = codecache._Cache(tmp_path / "attrs.code", "v", {})
    filename = "<attrs generated methods creatorpay.x.A>"
    script = "def f(self):\n    return 1\n"
    first = codecache._code(cache, script, filename, 0)
    assert first is not None
    key = next(iter(cache.new))
    blob, number, crc = cache.new[key][""]
    cache.new[key][""] = (blob[:-1] + bytes([blob[-1] ^ 1]), number, crc)
    assert codecache._code(cache, script, filename, 0) is None  # None: the caller runs attrs' own compile
    assert codecache._code(cache, script, "<attrs generated methods other.A>", 0) is None  # not ours


def test_a_file_of_other_versions_or_no_data_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "attrs.code"
    path.write_bytes(marshal.dumps(("other", {("f", "s"): {}})))
    assert codecache._read(path, "this") == {}
    path.write_bytes(b"\x00garbage")
    assert codecache._read(path, "this") == {}
    assert codecache._read(tmp_path / "missing", "this") == {}


def _installed(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CREATORPAY_")} | env
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    return done.stdout.strip()


def test_no_cache_turns_it_off(tmp_path: Path) -> None:
    code = "import attr._make as m, creatorpay.core\nprint(hasattr(m._compile_and_eval, '__wrapped__'))"
    assert _installed(code, CREATORPAY_NO_CACHE="1") == "False"
    assert _installed(code, CREATORPAY_CACHE_DIR=str(tmp_path)) == "True"


def test_an_attrs_whose_function_differs_is_left_alone(tmp_path: Path) -> None:
    code = (
        "import attr._make as m\nown = m._compile_and_eval\n"
        "def other(text, g, loc=None, name=''):\n    own(text, g, loc, name)\n"
        "m._compile_and_eval = other\n"
        "import creatorpay.core\nfrom creatorpay.core import codecache\n"
        "print(codecache._installed, m._compile_and_eval is other)"
    )
    assert _installed(code, CREATORPAY_CACHE_DIR=str(tmp_path)) == "[] True"


def test_the_console_command_writes_the_cache_and_a_library_import_does_not(tmp_path: Path) -> None:
    _installed("import creatorpay.core", CREATORPAY_CACHE_DIR=str(tmp_path))
    assert list(tmp_path.glob("attrs-*.code")) == []
    code = "import sys\nsys.argv = ['creatorpay', '--version']\nfrom creatorpay.core.cli import main\nmain()"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CREATORPAY_")}
    environment["CREATORPAY_CACHE_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "-c", code], capture_output=True, env=environment, check=True)
    assert len(list(tmp_path.glob("attrs-*.code"))) == 1


def test_the_test_session_reads_no_cache_of_the_user() -> None:
    """conftest's ``pytest_configure`` set a folder of this session before collection imported the core."""
    folder = os.environ["CREATORPAY_CACHE_DIR"]
    assert os.path.basename(folder).startswith("creatorpay-test-cache-")
    assert codecache._installed, "the core was imported with the cache off"
    assert os.path.dirname(codecache._installed[0].path) == folder
