"""Start and stop local JupyterLab / Voilà servers for the server and browser tests.

Servers are started through the real ``make lab`` / ``make dashboard`` recipes (with
``NOTEBOOK=`` pointing at a temporary copy, so a test never touches the repository's
notebooks) on a free port of 127.0.0.1, each with a random token and a throwaway Jupyter
configuration (settings and workspaces in the temporary folder). Root (CI containers) and
the news pop-up are left to the Makefile itself: this configuration neither allows root nor
turns the pop-up off, so the tests see what a researcher's ``make lab`` does. Every wait is
bounded, and ``stop()`` always ends the whole process group plus any kernels the server
started, even when a test failed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPLORER_NOTEBOOK = REPO / "notebooks" / "explorer.ipynb"
START_TIMEOUT = 60.0  # seconds until the server answers
STOP_TIMEOUT = 10.0  # seconds for a clean shutdown before SIGKILL


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jupyter_env(home: Path, token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a server that reads no user configuration and writes only in ``home``.

    Writes ``jupyter_server_config.json`` (no port retries, so the server is where the
    test looks; root is *not* allowed here: ``make lab`` must allow it itself) and
    ``voila.json`` (the token: Voilà reads no environment variable for it; tracebacks
    shown, for failing tests).
    """
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (home / "runtime").mkdir(exist_ok=True)
    _write_json(config / "jupyter_server_config.json", {"ServerApp": {"port_retries": 0}})
    voila = {"token": token, "port_retries": 0, "connection_dir_root": str(home / "runtime")}
    _write_json(
        config / "voila.json",
        {"Voila": voila, "VoilaConfiguration": {"show_tracebacks": True}},
    )
    env = dict(os.environ)
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab-workspaces"),
            "IPYTHONDIR": str(home / "ipython"),
            "MPLCONFIGDIR": str(home / "matplotlib"),
            "JUPYTER_TOKEN": token,
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("JUPYTER_PREFER_ENV_PATH", None)
    if extra:
        env.update(extra)
    return env


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=1), encoding="utf-8")


@dataclass
class Server:
    """A running server started by ``make``: base ``url`` (ends in ``/``) and ``token``."""

    proc: subprocess.Popen
    url: str
    token: str
    log_path: Path
    kind: str
    _log_file: object = field(repr=False, default=None)

    def printed_urls(self) -> list[str]:
        """Every ``http(s)://`` URL the server's start-up output printed."""
        return re.findall(r"https?://\S+", self.log(tail=100_000))

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        """GET ``url + path`` with the token in the Authorization header: (status, body)."""
        request = urllib.request.Request(
            self.url + path.lstrip("/"), headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def log(self, tail: int = 4000) -> str:
        """The last ``tail`` characters of the server's output (for failure messages)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-tail:]
        except OSError:
            return ""

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the server answers with its token; raise with the log if it does not."""
        probe = "api/status" if self.kind == "lab" else ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} server exited with {self.proc.returncode}:\n{self.log()}"
                )
            if self.kind == "lab":
                try:
                    if self.get(probe, timeout=2)[0] == 200:
                        return
                except (OSError, urllib.error.URLError):
                    pass
            elif _port_open(self.url) and "is running at" in self.log(tail=100_000):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{self.kind} server not ready after {timeout:.0f} s:\n{self.log()}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the server: ask politely, then SIGTERM, then SIGKILL; kernels included."""
        children = _descendants(self.proc.pid)
        if self.proc.poll() is None and self.kind == "lab":
            _post_shutdown(self)
            _wait(self.proc, min(timeout, 5.0))
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            _signal_group(self.proc.pid, sig)
            _wait(self.proc, timeout)
        _signal_group(self.proc.pid, signal.SIGKILL)  # stragglers in make's group
        _kill_processes(children + _descendants(self.proc.pid))
        if self._log_file is not None:
            self._log_file.close()


def _post_shutdown(server: Server) -> None:
    request = urllib.request.Request(
        server.url + "api/shutdown",
        method="POST",
        headers={"Authorization": f"token {server.token}"},
    )
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except (OSError, urllib.error.URLError):
        pass


def _wait(proc: subprocess.Popen, timeout: float) -> None:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _descendants(pid: int) -> list:
    """Child processes (kernels run in their own sessions, outside make's group)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill_processes(procs: list) -> None:
    if not procs:
        return
    import psutil

    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=STOP_TIMEOUT)


def _port_open(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start(
    kind: str,
    notebook: Path | None,
    home: Path,
    env: dict[str, str] | None = None,
    *,
    lab_root: Path | None = None,
) -> Server:
    """Run ``make lab`` (kind ``"lab"``) or ``make dashboard`` (``"voila"``) on ``notebook``
    (``None``: the Makefile's defaults: Lab serves the repository and opens
    ``notebooks/explorer.ipynb``; Voilà serves that notebook). A ``notebook`` folder is
    served by Voilà as is, and by Lab as its root, opening ``explorer.ipynb`` in it.
    ``lab_root`` (Lab only, with ``notebook=None``): serve that folder instead of the
    repository, opening the default ``notebooks/explorer.ipynb`` in it.

    The server runs from the Python environment running the tests, in a new process group,
    on a free port of 127.0.0.1 with a random token; it is ready when this returns.
    ``make -o .venv/.installed-lab`` keeps make from re-installing anything. Up to three
    attempts, in case another process took the free port first.
    """
    target = {"lab": "lab", "voila": "dashboard"}[kind]
    home.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        token = secrets.token_hex(16)
        port = free_port()
        command = [
            "make",
            "--no-print-directory",
            "-C",
            str(REPO),
            "-o",
            ".venv/.installed-lab",
            target,
            "HOST=127.0.0.1",
            f"PORT={port}",
            f"BIN={Path(sys.executable).parent}",
        ]
        if notebook is not None and kind == "lab":
            folder = notebook if notebook.is_dir() else notebook.parent
            name = "explorer.ipynb" if notebook.is_dir() else notebook.name
            command += [f"LAB_ROOT={folder}", f"NOTEBOOK={name}"]
        elif notebook is not None:
            command.append(f"NOTEBOOK={notebook}")
        if lab_root is not None and notebook is None:
            command.append(f"LAB_ROOT={lab_root}")
        log_path = home / f"{kind}-{port}.log"
        log_file = open(log_path, "wb")  # noqa: SIM115 - closed by Server.stop
        server_env = jupyter_env(home, token, env)
        for name in ("NOTEBOOK", "LAB_ROOT", "ARGS"):
            server_env.pop(name, None)  # make would take them from the environment
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=server_env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Server(proc, f"http://127.0.0.1:{port}/", token, log_path, kind, log_file)
        try:
            server.wait_ready()
            return server
        except Exception:
            server.stop()
            if attempt == 2 or "already in use" not in server.log(tail=100_000):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def copy_explorer_notebook(root: Path) -> Path:
    """Copy ``notebooks/explorer.ipynb`` into the new folder ``root``; return ``root``.

    Servers run on this copy, so a test can run, save and export without touching the
    repository. Until that notebook exists, a stand-in with the same cells is written
    instead (with a warning).
    """
    root.mkdir(parents=True)
    target = root / "explorer.ipynb"
    if EXPLORER_NOTEBOOK.exists():
        shutil.copyfile(EXPLORER_NOTEBOOK, target)
    else:
        warnings.warn(
            "notebooks/explorer.ipynb missing: browser tests use a stand-in notebook",
            stacklevel=2,
        )
        write_standin_notebook(target)
    return root


def write_standin_notebook(path: Path) -> None:
    """The expected shape of ``notebooks/explorer.ipynb``: a papermill parameters cell
    (``data_dir = None``) then the explorer (``Explorer(load(data_dir))``) as the last cell's
    value."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell("data_dir = None")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Vitamin B12 and low back pain: evidence explorer"),
        nbformat.v4.new_code_cell("from b12explore import Explorer, load"),
        parameters,
        nbformat.v4.new_code_cell("explorer = Explorer(load(data_dir))\nexplorer"),
    ]
    nbformat.write(notebook, path)
