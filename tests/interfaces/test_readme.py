"""The README as a tested document: its shell blocks run as written, in order.

Each ```sh block of README.md runs, in the order it appears, in one bash session
(`set -eu`, so an undefined variable or a failing command fails the test), in a
directory of its own holding this checkout's `.venv`, Makefile and pyproject.toml, on
SQLite. A block preceded by `<!-- readme: own terminal -->` is what a reader starts in a
terminal of their own (a server): it is started in the background, any server started
before it is stopped first, and the session waits until the new one answers. A block
preceded by `<!-- readme: not run (reason) -->` is not run, for the reason given (a
container engine, a PostgreSQL host the reader names); the reasons are checked to exist.

Two things differ from a reader's terminal, and only these: the server's port is a free
one (ACCORD_PORT, and `localhost:8000` in the blocks), and `make` is told the checkout's
virtualenv is already installed (`-o .venv/.installed`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.interfaces.test_processes import free_port

README = ROOT / "README.md"
FENCE = re.compile(
    r"^(?:<!-- readme: (?P<mark>[^\n]*?) -->\n)?```sh\n(?P<body>.*?)^```[ \t]*$", re.S | re.M
)
NOT_RUN = re.compile(r"^not run \((?P<reason>.{10,})\)$")
OWN_TERMINAL = "own terminal"
# Names the shell, the environment or a loop sets, not the README.
GIVEN = {"HOME", "PATH", "PWD", "USER"}


@dataclass(frozen=True)
class Block:
    line: int
    mark: str | None
    body: str

    @property
    def runs(self) -> bool:
        return self.mark is None or self.mark == OWN_TERMINAL


def blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    return [
        Block(text.count("\n", 0, m.start("body")), m.group("mark"), m.group("body"))
        for m in FENCE.finditer(text)
    ]


def assigned(body: str) -> set[str]:
    names = set(re.findall(r"(?:^|[\s;(&|])(?:export\s+)?([A-Za-z_]\w*)=", body, re.M))
    names |= set(re.findall(r"\bfor\s+([A-Za-z_]\w*)\s+in\b", body))
    return names


def used(body: str) -> set[str]:
    """Variables read, except `${NAME:-default}`, which reads a default when unset."""
    code = "\n".join(
        line.split(" # ", 1)[0] for line in body.splitlines() if not line.startswith("#")
    )
    return {
        m.group(1) for m in re.finditer(r"\$\{?([A-Za-z_]\w*)(:-)?", code) if m.group(2) is None
    }


@pytest.mark.store_independent
def test_every_shell_block_runs_or_says_why_not_and_reads_only_what_earlier_blocks_set():
    found = blocks()
    assert len(found) >= 15
    marks = [b.mark for b in found if b.mark is not None]
    for mark in marks:
        assert mark == OWN_TERMINAL or NOT_RUN.match(mark), mark
    not_run = [b.line for b in found if not b.runs]
    assert len(not_run) <= len(found) // 3, f"blocks not run, at lines {not_run}"
    known = set(GIVEN)
    for block in found:
        if not block.runs:
            continue
        known |= assigned(block.body)
        unknown = used(block.body) - known
        assert not unknown, f"README line {block.line}: {sorted(unknown)} not set before"


def script(port: int) -> str:
    """The README's blocks as one bash session."""
    parts = [
        # As a reader's shell runs a pipeline: by its last command (`curl ... | head` ends
        # the curl early, as meant); a failure there, or anywhere else, stops the session.
        "set -eu",
        "SERVER=",
        'stop_server() { if [ -n "$SERVER" ]; then kill -- -"$SERVER" 2>/dev/null || true;'
        ' wait "$SERVER" 2>/dev/null || true; SERVER=; fi; }',
        "trap stop_server EXIT",
        'make() { command make -o .venv/.installed "$@"; }',
    ]
    for number, block in enumerate(blocks()):
        if not block.runs:
            continue
        body = re.sub(r"(localhost|127\.0\.0\.1):8000", rf"\1:{port}", block.body)
        parts.append(f"echo '=== README line {block.line}' >&2")
        if block.mark == OWN_TERMINAL:
            log = f"var/readme-server-{number}.log"
            parts += [
                "stop_server",
                "mkdir -p var",
                f"setsid bash -c {shlex_quote(body)} > {log} 2>&1 &",
                "SERVER=$!",
                "for _ in $(seq 300); do"
                f" curl -sf -o /dev/null localhost:{port}/health && break; sleep 0.2; done",
                f"curl -sf -o /dev/null localhost:{port}/health || {{ cat {log} >&2; exit 1; }}",
            ]
        else:
            parts.append(body)
    return "\n".join(parts) + "\n"


def shlex_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@pytest.mark.slow
def test_the_readmes_shell_blocks_run_in_order_on_a_fresh_checkout_after_the_demo(tmp_path):
    for tool in ("bash", "curl", "make", "setsid"):
        assert shutil.which(tool), f"{tool} is needed"
    venv = Path(sys.executable).parent.parent
    (tmp_path / ".venv").symlink_to(venv)
    for name in ("Makefile", "pyproject.toml", "deploy"):
        (tmp_path / name).symlink_to(ROOT / name)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ACCORD_") or key == "ACCORD_TEST_POSTGRES_URL"
    }
    env["ACCORD_PORT"] = str(port)
    (tmp_path / "readme.sh").write_text(script(port))
    done = subprocess.run(
        ["bash", "readme.sh"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    logs = "".join(p.read_text() for p in sorted((tmp_path / "var").glob("readme-server-*.log")))
    assert done.returncode == 0, done.stderr[-6000:] + logs[-3000:]
    # Every server the README started answered without a server error.
    assert " 500 " not in logs and "Traceback" not in logs, logs[-3000:]
