"""A throwaway PostgreSQL server for the tests: its own cluster (initdb) in a temporary
directory, on a free port of 127.0.0.1, run as the ``postgres`` user when the tests run as
root; stopped and removed afterwards, also when a test failed or the start went wrong."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_S = 60


def pg_bin() -> Path | None:
    """The newest installed server binaries (Debian's layout), or None."""
    found = sorted(glob.glob(PG_BIN_GLOB), key=lambda p: int(Path(p).parent.name))
    return Path(found[-1]) if found and (Path(found[-1]) / "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """``with PgServer() as pg: pg.new_database()`` -> a ``postgresql://`` URL of a fresh database."""

    def __init__(self) -> None:
        binaries = pg_bin()
        if binaries is None:
            raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql (make deps)")
        self.bin = binaries
        self.as_root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="releasegate-pg-"))
        self.port = 0
        self.started = False

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        return subprocess.run(
            [*prefix, *cmd], capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False
        )

    def start(self) -> PgServer:
        try:
            if self.as_root:
                shutil.chown(self.dir, "postgres")
            data = self.dir / "data"
            done = self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
            if done.returncode != 0:
                raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
            for _ in range(3):  # a free port can be taken between choosing and binding it
                self.port = _free_port()
                options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
                done = self._run(
                    str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "log"),
                    "-w", "-t", str(START_TIMEOUT_S), "start",
                )  # fmt: skip
                if done.returncode == 0:
                    self.started = True
                    return self
            log = (self.dir / "log").read_text(errors="replace") if (self.dir / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()} {log[-2000:]}")
        except BaseException:
            self.stop()
            raise

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        user = "postgres" + (f":{password}" if password else "")
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its name."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
        return name

    def stop(self) -> None:
        pid_file = self.dir / "data" / "postmaster.pid"
        try:
            if self.started:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
                self.started = False
            if pid_file.exists():  # pg_ctl could not stop it: end the server this object started
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
