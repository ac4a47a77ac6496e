"""A throw-away local PostgreSQL server: for trying the team store, the tests, the benchmark.

:func:`start_cluster` runs ``initdb`` and ``pg_ctl start`` on a new folder, listening only on
a Unix socket in that folder (no TCP port is opened; the port number only names the
socket). ``initdb`` refuses to run as root, so as root the server runs as the ``postgres``
user (``su postgres``) and the folder is given to it. Authentication is ``trust`` on that
socket, which only local users who can reach the folder can use: a sandbox, not a
deployment. The server binaries are looked up on ``PATH``, then in Debian's
``/usr/lib/postgresql/<version>/bin``.

Pure Python, no Qt.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class ClusterError(RuntimeError):
    """A local server could not be started (says why)."""


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (None: PostgreSQL is not installed)."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    if found:
        candidates.append(Path(found).parent)
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in [*candidates, *debian]:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_root() -> bool:
    return os.geteuid() == 0


@dataclass
class LocalCluster:
    """A server in ``folder`` (data in ``folder/data``, socket and log in ``folder``)."""

    folder: Path
    port: int
    bindir: Path
    superuser: str = "postgres"

    @property
    def datadir(self) -> Path:
        return self.folder / "data"

    @property
    def logfile(self) -> Path:
        return self.folder / "server.log"

    def dsn(self, dbname: str = "postgres", user: str | None = None) -> str:
        return f"host={self.folder} port={self.port} user={user or self.superuser} dbname={dbname}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if _as_root():
            cmd = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )

    def _check(self, done: subprocess.CompletedProcess[str], what: str) -> None:
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ClusterError(f"{what} failed: {' / '.join(tail) or done.returncode}")

    def init(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.datadir), "-A", "trust", "-U", self.superuser,
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        self._check(done, "initdb")

    def start(self) -> None:
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=''"
        done = self._run(
            "pg_ctl", "-D", str(self.datadir), "-o", options, "-l", str(self.logfile),
            "-w", "-t", "60", "start",
        )  # fmt: skip
        self._check(done, "pg_ctl start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as if it crashed; it recovers on the next start)."""
        done = self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")
        if done.returncode != 0 and self.running():
            self._check(done, "pg_ctl stop")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.datadir), "status").returncode == 0

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        with contextlib.suppress(ClusterError, OSError, subprocess.SubprocessError):
            if self.datadir.exists():
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster(folder: str | Path | None = None, *, port: int | None = None) -> LocalCluster:
    """Create and start a server in ``folder`` (default: a new folder under the temp dir).
    Raises :class:`ClusterError` if PostgreSQL is missing or does not start."""
    bindir = find_bindir()
    if bindir is None:
        raise ClusterError(
            "PostgreSQL is not installed (no initdb/pg_ctl; on Debian: apt-get install postgresql)"
        )
    if folder is None:
        # (not under pytest's or the user's private temp folders: the postgres user must
        # be able to reach it)
        where = Path(tempfile.mkdtemp(prefix="monitor-pg-", dir="/tmp"))
    else:
        where = Path(folder).absolute()
        where.mkdir(parents=True, exist_ok=True)
    os.chmod(where, 0o755)
    if _as_root():
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise ClusterError("running as root and there is no 'postgres' user") from None
        os.chown(where, pw.pw_uid, pw.pw_gid)
    remembered = where / "port"
    if port is None and remembered.exists():  # a server made here before: same socket name
        with contextlib.suppress(ValueError, OSError):
            port = int(remembered.read_text().strip())
    cluster = LocalCluster(where, port or free_port(), bindir)
    if (cluster.datadir / "PG_VERSION").exists():
        if not cluster.running():
            cluster.start()
        return cluster
    remembered.write_text(f"{cluster.port}\n")
    try:
        cluster.init()
        cluster.start()
    except (ClusterError, OSError, subprocess.SubprocessError) as exc:
        if folder is None:
            cluster.remove()
        if isinstance(exc, ClusterError):
            raise
        raise ClusterError(f"cannot start PostgreSQL: {exc}") from None
    return cluster


__all__ = ["ClusterError", "LocalCluster", "find_bindir", "free_port", "start_cluster"]
