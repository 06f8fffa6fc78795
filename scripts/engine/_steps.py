"""Steps of `make engine`: timing, caching by output, and failures that name the step and module."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Sequence


class StepFailed(Exception):
    """A step could not produce its output; the message names the step and the module."""

    def __init__(self, step: str, module: str, reason: str) -> None:
        super().__init__(f"step {step} failed (module {module}): {reason}")
        self.step, self.module, self.reason = step, module, reason


@dataclass
class Run:
    """One run of the build: where it caches, what it logs, how long each step took."""

    cache: Path
    log: Path
    timings: list[dict[str, object]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str, module: str, output: Path | None = None) -> Iterator[bool]:
        """Time a step; yields False when `output` already exists (nothing to do) and True otherwise."""
        start = time.monotonic()
        cached = output is not None and output.exists()
        print(f"==> {name}: {'cached' if cached else 'building'} ({module})", flush=True)
        try:
            yield not cached
        except StepFailed:
            self._record(name, module, "failed", start)
            raise
        except (OSError, subprocess.SubprocessError, ValueError) as err:
            self._record(name, module, "failed", start)
            raise StepFailed(name, module, str(err)) from err
        status = "cached" if cached else "built"
        seconds = self._record(name, module, status, start)
        print(f"    {name}: {status} in {seconds:.1f} s", flush=True)

    def _record(self, name: str, module: str, status: str, start: float) -> float:
        seconds = time.monotonic() - start
        entry = {"step": name, "module": module, "status": status, "seconds": round(seconds, 1),
                 "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.timings.append(entry)
        with open(self.cache / "timings.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
        return seconds

    def sh(self, step: str, module: str, argv: Sequence[str], *, cwd: Path | None = None,
           env: Mapping[str, str] | None = None) -> str:
        """Run a command, its output appended to the build log; fail the step with the log's tail."""
        with open(self.log, "a", encoding="utf-8") as log:
            log.write(f"\n$ (cd {cwd or os.getcwd()} && {' '.join(argv)})\n")
            log.flush()
            proc = subprocess.run(list(argv), cwd=cwd, env={**os.environ, **(env or {})},
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
            log.write(proc.stdout)
        if proc.returncode != 0:
            lines = proc.stdout.strip().splitlines()
            # The proxy's refusal of a dependency is the usual cause: put it on the first line.
            key = next((line for line in lines if "403 Forbidden" in line), lines[-1] if lines else "")
            tail = "\n".join(lines[-15:])
            raise StepFailed(step, module, f"`{' '.join(argv[:3])} ...` exited {proc.returncode}: {key.strip()}\n"
                             f"{tail}\n(full log: {self.log})")
        return proc.stdout


def go_env() -> dict[str, str]:
    """Static, reproducible Go builds that ask nothing but the module proxy."""
    return {"CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false", "GOTOOLCHAIN": os.environ.get("GOTOOLCHAIN", "local")}


def go_download(run: Run, step: str, module_at_version: str) -> dict[str, object]:
    """`go mod download -json MODULE@VERSION`: the module's folder and origin, or a StepFailed
    that quotes the proxy's answer (403 "not available" means the proxy will not serve it)."""
    if shutil.which("go") is None:
        raise StepFailed(step, module_at_version, "the go command is not on PATH (Go 1.26 or newer is needed)")
    proc = subprocess.run(["go", "mod", "download", "-json", module_at_version], capture_output=True, text=True,
                          env={**os.environ, **go_env()}, cwd=run.cache, check=False)
    try:
        info = json.loads(proc.stdout or "{}")
    except ValueError:
        info = {}
    if proc.returncode != 0 or info.get("Error") or not info.get("Dir"):
        reason = str(info.get("Error") or proc.stderr.strip() or "no module folder").replace("\n\t", " ")
        raise StepFailed(step, module_at_version, f"not downloadable through the Go module proxy: {reason}")
    return info


def install_file(source: Path, target: Path, mode: int = 0o755) -> None:
    """Put `source` at `target` (hard link when possible: same inode, no copy), executable."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copy2(source, tmp)
    os.chmod(tmp, mode)
    os.replace(tmp, target)


def version_tuple(text: str) -> tuple[int, ...]:
    """"v3.274.1" or "3.272.0" as (3, 274, 1); pre-release suffixes are dropped."""
    core = text.strip().lstrip("v").split("-")[0].split("+")[0]
    return tuple(int(part) for part in core.split(".") if part.isdigit())


def fail(message: str) -> int:
    print(f"make engine: {message}", file=sys.stderr, flush=True)
    return 1
