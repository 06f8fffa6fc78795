"""A child process whose stdout and stderr are read as they come, for the streaming RPCs.

`RunPlugin` and `InstallDependencies` answer with a stream of stdout/stderr chunks and, at the end,
an exit code; the CLI reads a plugin's first stdout line as its gRPC port, so chunks must leave as
soon as they are read (no buffering until exit).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
from typing import IO, Iterator, Mapping, Sequence

_CHUNK = 64 * 1024


class Child:
    """A started process with piped output; iterate `events()` for ("stdout"|"stderr", bytes)."""

    def __init__(self, argv: Sequence[str], *, cwd: str | None, env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen(
            list(argv), cwd=cwd or None, env=dict(env),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._pump, args=(name, stream), daemon=True)
            for name, stream in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr))
        ]
        for reader in self._readers:
            reader.start()

    def _pump(self, name: str, stream: IO[bytes] | None) -> None:
        assert stream is not None
        while chunk := os.read(stream.fileno(), _CHUNK):
            self._queue.put((name, chunk))
        self._queue.put(None)

    def events(self) -> Iterator[tuple[str, bytes]]:
        """Output chunks in the order they were read, until both pipes are closed."""
        open_streams = len(self._readers)
        while open_streams:
            item = self._queue.get()
            if item is None:
                open_streams -= 1
                continue
            yield item

    def wait(self, timeout: float | None = None) -> int:
        """The exit code, once the process has ended."""
        return self.proc.wait(timeout)

    def stop(self, grace: float = 5.0) -> None:
        """SIGINT (Pulumi's cancel signal), then SIGKILL after `grace` seconds."""
        if self.proc.poll() is not None:
            return
        try:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        except ProcessLookupError:
            pass
