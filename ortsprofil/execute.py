"""Running notebooks: papermill for one report, a warm kernel for batch workers.

Kernels talk over IPC sockets in a private folder, die with the process that started them
(Linux ``PR_SET_PDEATHSIG``) and never take over ortsprofil's SIGINT/SIGTERM handling.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat

from . import config
from .errors import ReportError


def _die_with_parent(sig: int | None = None) -> None:
    """In a child process (Linux): receive ``sig`` (default SIGKILL) when the parent dies.

    Runs between fork and exec (``preexec_fn``) or at a pool worker's start. Without prctl (not
    Linux) it does nothing; ipykernel's own parent poller is then the fallback.
    """
    import signal

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig or signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _kernel_preexec() -> None:
    """Between fork and exec of a kernel: no blocked signals (a batch worker blocks SIGTERM for
    its watcher thread) and death with the process that started it."""
    import signal

    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    _die_with_parent()


def _kernel_manager_class():
    """A KernelManager that talks to its kernel over IPC sockets in a private temp folder.

    Local kernels need no TCP; with IPC the kernel does not print jupyter_client's
    "running over TCP without encryption" warning into every command's output. The kernel
    never inherits MPLBACKEND, so charts always come out as inline images.
    """
    from jupyter_client.manager import KernelManager
    from traitlets import default

    class IpcKernelManager(KernelManager):
        @default("transport")
        def _default_transport(self):
            return "ipc"

        @default("ip")
        def _default_ip(self):
            return os.path.join(tempfile.mkdtemp(prefix="ortsprofil-kernel-"), "kernel")

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # Reports need the inline backend; an inherited MPLBACKEND=Agg would drop every chart.
            env = dict(kw.get("env") or os.environ)
            env.pop("MPLBACKEND", None)
            kw["env"] = env
            # The kernel process's own log (not the notebook's output) would only clutter the
            # terminal — e.g. ipykernel's "KeyboardInterrupt caught in kernel" at pool shutdown.
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            # The kernel dies with the process that started it, however that process ends.
            kw.setdefault("preexec_fn", _kernel_preexec)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        def cleanup_resources(self, restart: bool = False) -> None:
            super().cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    return IpcKernelManager


def execute_notebook(
    source: Path,
    output: Path,
    parameters: dict,
    *,
    cwd: Path | None = None,
) -> nbformat.NotebookNode:
    """Execute ``source`` with papermill into ``output`` (kernel ``python3``).

    Parameters are passed through papermill's Python API, so strings stay strings
    ("0114" is never turned into 114).

    Raises
    ------
    ReportError
        When a cell raises; the message names the error the notebook hit.
    """
    import papermill as pm

    _check_notebook(source)
    try:
        with _own_signal_handlers():
            return pm.execute_notebook(
                str(source),
                str(output),
                parameters=parameters,
                kernel_name="python3",
                cwd=str(cwd or config.NOTEBOOKS_DIR),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                kernel_manager_class=_kernel_manager_class(),
            )
    except pm.PapermillExecutionError as exc:
        raise ReportError(f"Notebooken {source.name} stoppade: {exc.ename}: {exc.evalue}") from exc


@contextlib.contextmanager
def _own_signal_handlers() -> Iterator[None]:
    """Keep ortsprofil's SIGINT/SIGTERM handling while a notebook runs.

    nbclient installs asyncio signal handlers that shut the kernel down and then carry on, and
    removes them afterwards by resetting SIGTERM to the default — so a batch worker would neither
    stop on SIGTERM nor keep its own handler. While this is active, the event loop refuses
    ``add_signal_handler`` (nbclient expects and ignores that RuntimeError), and the handlers in
    force before are put back afterwards.
    """
    import asyncio
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    loop_cls = asyncio.SelectorEventLoop
    original = loop_cls.add_signal_handler

    def refuse(self, sig, callback, *args):
        raise RuntimeError("ortsprofil handles signals itself")

    loop_cls.add_signal_handler = refuse
    try:
        yield
    finally:
        loop_cls.add_signal_handler = original
        for sig, handler in before.items():
            if handler is not None and signal.getsignal(sig) != handler:
                signal.signal(sig, handler)


def _check_notebook(source: Path) -> None:
    """A notebook that cannot be read is a ReportError in Swedish (not a JSON traceback)."""
    try:
        nbformat.read(str(source), as_version=4)
    except FileNotFoundError:
        raise ReportError(f"Notebooken {source} finns inte.") from None
    except (ValueError, nbformat.ValidationError, UnicodeDecodeError) as exc:
        raise ReportError(f"Notebooken {source} är skadad och kan inte läsas (inte giltig notebook-JSON: "
                          f"{str(exc).splitlines()[0][:120]}). Hämta en hel kopia, t.ex. med git checkout.") from None


class WarmKernel:
    """One kernel kept alive across many notebooks (batch workers): start-up and imports are paid once.

    Every notebook still starts from an empty namespace (``%reset -f`` and all figures closed);
    only loaded modules and their caches (the snapshot, the registry) carry over, which is the
    point. Parameters are injected exactly as papermill does (``injected-parameters`` cell).
    """

    def __init__(self, cwd: Path | None = None):
        self.cwd = cwd or config.NOTEBOOKS_DIR
        self.km = None
        self.kc = None
        self.runs = 0

    def _ensure(self) -> None:
        if self.km is not None and self.km.is_alive():
            return
        self.close()
        self.km = _kernel_manager_class()(kernel_name="python3")
        self.km.start_kernel(cwd=str(self.cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def execute(self, source: Path, output: Path, parameters: dict) -> nbformat.NotebookNode:
        """Execute ``source`` with ``parameters`` and write the executed notebook to ``output``.

        Raises
        ------
        ReportError
            When a cell raises.
        """
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        _check_notebook(source)
        self._ensure()
        nb = load_notebook_node(str(source))  # as papermill does: every cell gets a tags list
        nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
        # A fresh namespace for every notebook: a first, temporary cell resets it.
        reset = nbformat.v4.new_code_cell(
            "get_ipython().run_line_magic('reset', '-f')\n"
            "import matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt")
        nb.cells.insert(0, reset)
        client = NotebookClient(nb, km=self.km, kernel_name="python3", timeout=600,
                                resources={"metadata": {"path": str(self.cwd)}})
        client.kc = self.kc  # reuse the running client (not a constructor argument)
        try:
            with _own_signal_handlers():
                client.execute()
        except CellExecutionError as exc:
            raise ReportError(f"Notebooken {source.name} stoppade: {exc.ename}: {exc.evalue}") from exc
        finally:
            nb.cells.pop(0)
        for i, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
            cell.execution_count = i  # numbered as in a fresh kernel
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = i
        nbformat.write(nb, str(output))
        self.runs += 1
        return nb

    def kill(self) -> None:
        """Kill the kernel process at once and remove its files (from a signal handler: no messages)."""
        km = self.km
        if km is None:
            return
        try:
            pid = getattr(km.provisioner, "pid", None)
            if pid:
                os.kill(pid, 9)
        except (OSError, AttributeError):
            pass
        try:
            km.cleanup_resources()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass

    def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.km = self.kc = None
