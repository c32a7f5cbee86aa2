"""A throw-away PostgreSQL cluster a test may stop and start (the shared server on 5432
is never touched): initdb into a temporary directory, pg_ctl on a free port.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` system
user (runuser); as anyone else it is the current user's.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.conftest import missing_service
from tests.workers_harness import free_port


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major)
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _major(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = _bindir()
        if self.bin is None or not (self.bin / "initdb").exists():
            missing_service("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                missing_service("running as root and no 'postgres' user to own a cluster")
            if shutil.which("runuser") is None:
                missing_service("running as root without runuser to start a cluster")
        # Not under pytest's tmp_path: that is private to root, and the owner must reach it.
        self.dir = Path(tempfile.mkdtemp(prefix="crowdpick-pg-"))
        if self.owner is not None:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        self.port = free_port()

    def _run(self, *command: str, timeout: float = 60) -> None:
        argv = [str(self.bin / command[0]), *command[1:]]
        if self.owner is not None:
            argv = ["runuser", "-u", self.owner.pw_name, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise AssertionError(f"{command[0]} failed:\n{done.stdout}{done.stderr}\n{log}")

    def init(self) -> PostgresCluster:
        options = ["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        self._run("initdb", "-D", str(self.data), *options)
        return self

    def start(self) -> None:
        # fsync off: a test cluster, thrown away; nothing needs to survive a power cut.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """fast: clients are disconnected at once (what a restart does to an app)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
