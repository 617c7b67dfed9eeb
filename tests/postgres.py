"""A throwaway PostgreSQL cluster on loopback for the tests (Debian's postgresql package).

`tests/run` installs the server; this module finds `initdb`, creates a cluster in a temporary
folder, starts it on a free port and hands out one fresh database per test.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import psycopg


def find_bin_dir() -> Path | None:
    """The newest PostgreSQL server bin directory on this machine, if any."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    found = shutil.which("initdb")
    paths = [Path(c).parent for c in candidates] + ([Path(found).parent] if found else [])
    return paths[0] if paths else None


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresCluster:
    bin_dir: Path
    data_dir: Path
    port: int
    run_as: str | None

    def _cmd(self, *args: str) -> list[str]:
        # initdb and postgres refuse to run as root; Debian's package creates the postgres user.
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else list(args)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def replace_with_copy(self, url: str, *, template: str) -> None:
        """Make the database at `url` a fresh copy of database `template` (fast: no migrations)."""
        name = url.rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        subprocess.run(
            self._cmd(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    """Initialise and start a cluster; raises RuntimeError with the server's output if it fails."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (bash tests/run installs it)")
    run_as = None
    if os.geteuid() == 0:
        run_as = "postgres"
        pwd.getpwnam(run_as)  # KeyError if the package did not create the user
    base = Path(tempfile.mkdtemp(prefix="studio-pg-"))
    data_dir = base / "data"
    if run_as:
        shutil.chown(base, user=run_as)
    cluster = PostgresCluster(bin_dir=bin_dir, data_dir=data_dir, port=_free_port(), run_as=run_as)
    init = subprocess.run(
        cluster._cmd(
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode:
        raise RuntimeError(f"initdb failed: {init.stderr or init.stdout}")
    options = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {base} -c fsync=off"
    start = subprocess.run(
        cluster._cmd(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data_dir),
            "-o",
            options,
            "-l",
            str(base / "server.log"),
            "-w",
            "start",
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if start.returncode:
        log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {start.stderr}{log}")
    deadline = time.monotonic() + 20
    while True:
        try:
            with cluster._admin():
                return cluster
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
