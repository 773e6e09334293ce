"""A throwaway PostgreSQL server for the tests and bench/store.py: initdb in a temporary folder,
started on 127.0.0.1 on a free port (its socket in that folder), stopped and removed after.

PostgreSQL refuses to run as root: as root, the server runs as the ``postgres`` system user (else
``nobody``) through ``runuser``, the folder owned by that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    folders = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
    )
    for folder in reversed(folders):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _user() -> str | None:
    """The unprivileged user to run the server as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


@contextmanager
def temporary_server(settings: dict[str, str] | None = None) -> Iterator[str]:
    """Start a server; yields its DSN (database ``postgres``, user ``postgres``, trust on 127.0.0.1)."""
    bindir = binaries()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL's initdb and pg_ctl were not found (PATH, /usr/lib/postgresql/*/bin)")
    user = _user()
    prefix = ["runuser", "-u", user, "--"] if user else []
    folder = Path(tempfile.mkdtemp(prefix="creatorpay-pg-"))
    data, log = folder / "data", folder / "server.log"
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    options = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(folder),
        **(settings or {}),
    }
    started = False
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=folder,
        )
        flags = " ".join(f"-c {name}={value}" for name, value in options.items())
        started = True
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", flags, "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
            text=True,
            cwd=folder,
        )
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    except subprocess.CalledProcessError as exc:
        logged = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{exc.cmd[len(prefix)]} failed: {exc.stderr or exc.stdout}\n{logged}") from exc
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                cwd=folder,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)
