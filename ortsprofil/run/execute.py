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
import threading
from collections.abc import Iterator
from pathlib import Path

import nbformat

from ortsprofil import config
from ortsprofil.errors import ReportError


def die_with_parent(sig: int | None = None) -> None:
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


#: Kernel socket folders are ``<tmp>/ortsprofil-kernel-<pid of the process that started it>-xxxx``.
KERNEL_FOLDER = "ortsprofil-kernel-"


def remove_dead_kernel_folders() -> None:
    """Remove the socket folders of kernels whose starting process is gone (killed with SIGKILL: its
    kernels died with it, the folder stayed). Folders of running processes are never touched."""
    for d in Path(tempfile.gettempdir()).glob(f"{KERNEL_FOLDER}*-*"):
        pid = d.name[len(KERNEL_FOLDER):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except PermissionError:
            pass


def _kernel_preexec() -> None:
    """Between fork and exec of a kernel: no blocked signals (a batch worker blocks SIGTERM for
    its watcher thread) and death with the process that started it."""
    import signal

    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    die_with_parent()


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
            remove_dead_kernel_folders()
            return os.path.join(tempfile.mkdtemp(prefix=f"{KERNEL_FOLDER}{os.getpid()}-"), "kernel")

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

        def client(self, **kwargs):
            # Each client its own session id: the id is the client's zmq identity, and the kernel's
            # ROUTER socket ignores a second client with the identity of one still connected (the
            # warm-up client and papermill's would then race, and papermill wait forever).
            import uuid

            import zmq

            session = self.session.clone()
            session.session = str(uuid.uuid4())
            kwargs.setdefault("session", session)
            # Clients share the process's zmq context instead of each owning one: nbclient leaves
            # the client of a kernel it did not start (EarlyKernel) open, and a client that owns its
            # context warns when collected with channels open, or blocks destroying it.
            kwargs.setdefault("context", zmq.Context.instance())
            return super().client(**kwargs)

        # The socket folder goes with the kernel's other files. jupyter_client's shutdown calls the
        # async variant directly, a kill (EarlyKernel, WarmKernel.kill) the sync one: both remove it.
        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            self._remove_socket_folder(restart)

        def cleanup_resources(self, restart: bool = False) -> None:
            super().cleanup_resources(restart=restart)
            self._remove_socket_folder(restart)

        def _remove_socket_folder(self, restart: bool) -> None:
            if not restart:
                shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    return IpcKernelManager


def execute_notebook(
    source: Path,
    output: Path,
    parameters: dict,
    *,
    cwd: Path | None = None,
    kernel: EarlyKernel | None = None,
) -> nbformat.NotebookNode:
    """Execute ``source`` with papermill into ``output`` (kernel ``python3``).

    Parameters are passed through papermill's Python API, so strings stay strings
    ("0114" is never turned into 114). With ``kernel`` (an :class:`EarlyKernel`) papermill runs the
    notebook in that already started kernel and leaves it running (its caller asks it for the
    results and kills it); otherwise papermill starts and shuts down its own.

    Raises
    ------
    ReportError
        When a cell raises; the message names the error the notebook hit.
    """
    import papermill as pm

    _check_notebook(source)
    extra = {"km": kernel.km} if kernel is not None else {}
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
                **extra,
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


def _kill_kernel(km) -> None:
    """SIGKILL the kernel process and remove its files; no messages and no event loop (safe in a signal
    handler, and after a signal interrupted the loop: jupyter_client's own clean-up would run that loop
    again and wait for ever on the dead kernel's reply)."""
    try:
        pid = getattr(km.provisioner, "pid", None)
        if pid:
            os.kill(pid, 9)
            km.provisioner.process.wait(timeout=5)  # reaped: no zombie in a long-lived process
    except (OSError, AttributeError, subprocess.TimeoutExpired):
        pass
    for cleanup in ("cleanup_connection_file", "cleanup_ipc_files"):  # plain file removals
        try:
            getattr(km, cleanup)()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
    try:
        shutil.rmtree(os.path.dirname(km.ip), ignore_errors=True)
    except (TypeError, AttributeError):
        pass


#: How the kernel hands the record of the Profile it showed back to the parent (see
#: :func:`ortsprofil.run.kernel_side.handoff`).
HANDOFF_MIME = "application/vnd.ortsprofil.handoff+json"
#: Sent to a report's kernel as soon as it is up: the imports and the data every profile shares.
WARM_UP = "__import__('ortsprofil.run.kernel_side', fromlist=['warm']).warm()"


def _ask(kc, code: str, mime: str, timeout: float = 120) -> object | None:
    """Run ``code`` in the kernel behind client ``kc`` and return the first output of type ``mime``
    (None when the code raised or showed no such output)."""
    found: list = []

    def hook(msg: dict) -> None:
        data = msg.get("content", {}).get("data", {})
        if msg.get("msg_type") in ("display_data", "execute_result") and mime in data and not found:
            found.append(data[mime])

    try:
        reply = kc.execute_interactive(code, store_history=False, output_hook=hook, timeout=timeout)
    except (RuntimeError, TimeoutError):  # the kernel died or did not answer: no answer
        return None
    return found[0] if found and reply["content"].get("status") == "ok" else None


class EarlyKernel:
    """A kernel for one report, started before the input is checked and warmed up meanwhile.

    Starting the kernel (about a second) and importing pandas, matplotlib and the profile code in
    it (another one or two) no longer wait for the command line: they run on the second core
    while the parent checks its input and loads papermill. ``warm`` is sent to the kernel as soon
    as it is ready (silently; errors there surface when the notebook runs). When the report is
    done, :meth:`ask` fetches results from the kernel's namespace and :meth:`kill` ends it at once.
    Use as a context manager: the kernel never outlives the ``with`` block.
    """

    def __init__(self, warm: str = WARM_UP, cwd: Path | None = None):
        self.km = _kernel_manager_class()(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd or config.NOTEBOOKS_DIR))
        self._warmer = threading.Thread(target=self._warm, args=(warm,), name="ortsprofil-warm", daemon=True)
        self._warmer.start()

    def _warm(self, code: str) -> None:
        kc = self.km.client()
        try:
            kc.start_channels()
            kc.wait_for_ready(timeout=120)
            if code:
                msg_id = kc.execute(code, silent=True, store_history=False)
                while kc.get_shell_msg(timeout=120)["parent_header"].get("msg_id") != msg_id:
                    pass
        except Exception:  # noqa: BLE001 - the kernel died or was killed: the notebook run reports it
            pass
        finally:
            kc.stop_channels()

    def ask(self, code: str, mime: str) -> object | None:
        """Run ``code`` in the kernel (after the notebook) and return its first ``mime`` output."""
        kc = self.km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            return _ask(kc, code, mime)
        except (RuntimeError, TimeoutError):  # the kernel is gone: no answer
            return None
        finally:
            kc.stop_channels()

    def kill(self) -> None:
        """End the kernel at once (its work is done or no longer wanted) and remove its files."""
        _kill_kernel(self.km)

    def __enter__(self) -> EarlyKernel:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


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

    def ask(self, code: str, mime: str) -> object | None:
        """Run ``code`` in the kernel (after a notebook) and return its first ``mime`` output."""
        return _ask(self.kc, code, mime)

    def kill(self) -> None:
        """Kill the kernel process at once and remove its files (from a signal handler: no messages)."""
        if self.km is not None:
            _kill_kernel(self.km)

    def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.km = self.kc = None
