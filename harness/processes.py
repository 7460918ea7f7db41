"""Child processes and plain HTTP for the smoke, load and fault runs.

Every process is started as the leader of its own process group, so a stop or a
``kill -9`` reaches its children too (gunicorn's workers, a Celery pool) and
nothing else, and a run never leaves a server behind: whoever starts them calls
``stop_all`` in a ``finally``. Logs go to ``<logs>/<name>-<n>.log`` (n counts the
starts under that name, from 0).
"""

import contextlib
import os
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ProcessExited(RuntimeError):
    """A process stopped that nobody asked to stop."""


class Processes:
    def __init__(self, logs: Path):
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.started: list[tuple[str, subprocess.Popen]] = []
        self._stopped: set[int] = set()

    def start(self, name: str, args: list[str], env=None) -> subprocess.Popen:
        count = sum(1 for n, _ in self.started if n == name)
        with (self.logs / f"{name}-{count}.log").open("w") as log:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((name, process))
        return process

    def check_alive(self) -> None:
        """Raise ``ProcessExited`` if a process stopped on its own."""
        for name, process in self.started:
            if process.pid not in self._stopped and process.poll() is not None:
                raise ProcessExited(
                    f"{name} exited early ({process.returncode}): "
                    f"{self.log_of(name)}\n{self.tail(name, 15)}"
                )

    def kill(self, process: subprocess.Popen) -> None:
        """``kill -9`` of the process and everything in its group."""
        self._stopped.add(process.pid)
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, process: subprocess.Popen, timeout: float = 30) -> int | None:
        """SIGTERM to the process itself (a Celery worker or gunicorn then lets
        its children finish what they are doing), SIGKILL to its group after
        ``timeout`` and to anything of the group left behind; the exit code, or
        None when it had to be killed."""
        self._stopped.add(process.pid)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        self.kill(process)
        return code

    def stop_all(self, timeout: float = 30) -> dict[str, int | None]:
        """Stop what still runs, the last started first; each one's exit code by
        ``<name>-<n>`` (a clean stop: 0 or -SIGTERM)."""
        codes: dict[str, int | None] = {}
        for index, (name, process) in reversed(list(enumerate(self.started))):
            count = sum(1 for n, _ in self.started[:index] if n == name)
            if process.poll() is None:
                codes[f"{name}-{count}"] = self.stop(process, timeout)
            else:
                codes[f"{name}-{count}"] = process.returncode
        return codes

    def log_of(self, name: str) -> Path:
        """The log of the latest process started under ``name``."""
        count = sum(1 for n, _ in self.started if n == name)
        return self.logs / f"{name}-{max(count - 1, 0)}.log"

    def tail(self, name: str, lines: int = 30) -> str:
        log = self.log_of(name)
        return "\n".join(log.read_text().splitlines()[-lines:]) if log.exists() else ""


def children_of(pid: int) -> list[int]:
    """The live child processes of ``pid`` (a Celery worker's pool)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # After the command name: state, then the parent's pid.
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def wait_until(condition: Callable[[], object], timeout: float, interval=0.1):
    """The condition's first true value, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value or None
        time.sleep(interval)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, *, data=None, headers=None, timeout=15.0, tls_unverified=False):
    """(status, headers, body) of one request, errors included, no redirects.
    ``tls_unverified``: accept any certificate (Caddy's local CA, not installed)."""
    handlers: list = [_NoRedirect()]
    if tls_unverified:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for_url(
    url: str,
    timeout: float = 120.0,
    status: int = 200,
    processes: Processes | None = None,
) -> bool:
    """Whether ``url`` answered ``status`` within ``timeout``; with ``processes``,
    gives up at once (``ProcessExited``) when one of them died meanwhile."""

    def answers() -> bool:
        if processes is not None:
            processes.check_alive()
        try:
            return fetch(url, timeout=5)[0] == status
        except OSError:
            return False

    return bool(wait_until(answers, timeout, interval=0.5))
