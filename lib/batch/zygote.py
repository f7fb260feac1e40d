"""A kernel fork server: import once, fork a warm Jupyter kernel in a fraction of a second.

Starting a kernel costs ipykernel's own imports plus what the notebooks import (pandas,
matplotlib, seaborn, scipy, ``lib``): several seconds of CPU, paid again by every worker and
after every kernel replacement. The *zygote* is one process per run and machine that imports
all of it once, then, for each request, forks a child that becomes an ipykernel on the given
connection file. Pages of the preloaded modules are shared copy-on-write.

Run by :class:`Zygote` as ``python -m lib.batch.zygote SOCKET MODULE...``. The zygote is
single-threaded (required to fork safely), exits when the process that started it ends, and its
kernels exit when it does (``JPY_PARENT_PID``). Clients use :class:`ForkedProvisioner` on a
``jupyter_client`` kernel manager, so the rest of the kernel's life (client, restart, shutdown)
is jupyter_client's usual one. POSIX only; anything that goes wrong falls back to a normal
kernel start.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READY = "ready"
MPLBACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets by default


# ----------------------------------------------------------------------- zygote (server)


def _reap(signum, frame) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def die_with_parent(parent: int) -> None:
    """Have Linux kill this process when its parent ends (``PR_SET_PDEATHSIG``: SIGKILL), so a
    run killed with ``kill -9`` leaves no kernel behind; exit at once when ``parent`` is gone
    already. Call it only in a child of a single-threaded parent (the signal follows the
    forking thread). Elsewhere than Linux it does nothing."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


def _become_kernel(request: dict, zygote_pid: int) -> None:
    """In the forked child: reset what the zygote set up, then run an ipykernel."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    die_with_parent(zygote_pid)
    os.chdir(request.get("cwd") or "/")
    os.environ.clear()
    os.environ.update(request.get("env") or {})
    os.environ["JPY_PARENT_PID"] = str(zygote_pid)  # the kernel exits when the zygote does
    os.environ.setdefault("MPLBACKEND", MPLBACKEND)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", request["connection_file"]])
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is not None:  # pyplot was imported before the shell existed: hook it up now
        try:
            inline._enable_matplotlib_integration()
        except Exception:  # noqa: BLE001 - figures then need an explicit display
            pass
    app.start()


def serve(socket_path: str, preload: list[str]) -> None:
    """The zygote's main loop: preload, then fork a kernel per request until the parent ends."""
    import gc
    import importlib

    parent = os.getppid()
    os.environ.setdefault("MPLBACKEND", MPLBACKEND)
    import ipykernel.kernelapp  # noqa: F401
    import ipykernel.ipkernel  # noqa: F401

    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebook will report it
            pass
    gc.collect()
    gc.freeze()  # keep the preloaded objects' pages shared with the children
    signal.signal(signal.SIGCHLD, _reap)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(16)
    server.settimeout(1.0)
    print(READY, flush=True)
    while os.getppid() == parent:
        try:
            conn, _ = server.accept()
        except (TimeoutError, socket.timeout):
            continue
        with conn:
            conn.settimeout(10)
            try:
                request = json.loads(conn.makefile("r", encoding="utf-8").readline())
            except (OSError, ValueError):
                continue
            zygote = os.getpid()
            pid = os.fork()
            if pid == 0:
                server.close()
                conn.close()
                try:
                    _become_kernel(request, zygote)
                finally:
                    os._exit(0)
            try:
                conn.sendall((json.dumps({"pid": pid}) + "\n").encode())
            except OSError:
                pass
    server.close()


# ------------------------------------------------------------------------ client side


class ZygoteError(RuntimeError):
    """The zygote could not be started or did not answer."""


class Zygote:
    """Start a zygote for ``kernel_name`` (the kernelspec must run this Python) with
    ``preload``, and ask it for kernels. ``path`` is its socket (share it with worker
    processes through :data:`ENV_VAR`)."""

    ENV_VAR = "DTI_KERNEL_ZYGOTE"

    def __init__(self, kernel_name: str, preload=(), env: dict | None = None):
        self.kernel_name = kernel_name
        self.dir = Path(tempfile.mkdtemp(prefix="dti-z-"))
        self.path = str(self.dir / "zygote.sock")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lib.batch.zygote", self.path, *preload],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd=str(self.dir), text=True)
        (self.dir / "pid").write_text(str(self.process.pid))

    @property
    def address(self) -> str:
        return f"{self.kernel_name}={self.path}"

    def wait_ready(self, timeout: float = 120) -> None:
        import selectors

        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout) or self.process.stdout.readline().strip() != READY:
                raise ZygoteError("the kernel zygote did not start")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.process.stdout:
            self.process.stdout.close()
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)


def zygote_for(kernel_name: str) -> str | None:
    """The socket of the zygote this process should use for ``kernel_name`` (from
    :data:`Zygote.ENV_VAR`, ``<kernel name>=<socket path>``), if any."""
    name, _, path = os.environ.get(Zygote.ENV_VAR, "").partition("=")
    return path if name == kernel_name and path and os.path.isdir(os.path.dirname(path)) \
        else None


def zygote_applies(kernel_name: str) -> bool:
    """Whether kernels of ``kernel_name`` can be forked from this Python: a POSIX system and
    a kernelspec that runs ``ipykernel`` with this interpreter."""
    if os.name != "posix" or not hasattr(os, "fork"):
        return False
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
    except Exception:  # noqa: BLE001 - unknown kernel: start it the usual way
        return False
    return bool(argv) and os.path.realpath(argv[0]) == os.path.realpath(sys.executable) \
        and any("ipykernel" in a for a in argv)


def request_fork(path: str, connection_file: str, cwd: str, env: dict,
                 timeout: float = 120) -> int:
    """Ask the zygote at ``path`` for a kernel (waiting up to ``timeout`` seconds for it to
    finish its imports); return the kernel's pid. Raises :class:`ZygoteError`."""
    deadline = time.monotonic() + timeout
    pid_file = Path(path).with_name("pid")
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise ZygoteError(f"no kernel zygote at {path}")
        try:
            os.kill(int(pid_file.read_text()), 0)
        except (OSError, ValueError):  # it ended before it was ready
            raise ZygoteError(f"the kernel zygote of {path} is not running") from None
        time.sleep(0.05)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(path)
        conn.sendall((json.dumps({"connection_file": connection_file, "cwd": cwd,
                                  "env": env}) + "\n").encode())
        reply = conn.makefile("r", encoding="utf-8").readline()
    try:
        return int(json.loads(reply)["pid"])
    except (ValueError, KeyError) as err:
        raise ZygoteError(f"no kernel from the zygote: {reply!r}") from err


class ForkedProcess:
    """A ``Popen``-like handle on a kernel forked by the zygote (not our child: its state is
    read from ``/proc`` and it is signalled by pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                stat = Path(f"/proc/{self.pid}/stat").read_text()
                if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    self.returncode = -1
            except (FileNotFoundError, ProcessLookupError):
                self.returncode = -1
            except OSError:  # no /proc: ask the kernel
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def forked_provisioner(km, path: str):
    """A jupyter_client provisioner for ``km`` that gets its kernel from the zygote at
    ``path`` (set it as ``km.provisioner`` before ``start_kernel``)."""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkedProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd, **kwargs):
            cwd = str(kwargs.get("cwd") or os.getcwd())
            env = dict(kwargs.get("env") or os.environ)
            pid = request_fork(path, self.parent.connection_file, cwd, env)
            self.process = ForkedProcess(pid)
            self.pid = self.pgid = pid  # the child called setsid()
            self.cwd = cwd
            return self.connection_info

    return ForkedProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
