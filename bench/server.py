"""The API in a process of its own, as `accord serve` runs it.

Configured like any deployment, from ACCORD_* environment variables (bench/run.py sets the
database URL, the schema and `ACCORD_PROJECTOR=off`: nothing is written while it measures).
Usage: python -m bench.server HOST PORT [WORKERS]   (uvicorn worker processes, default 1)
"""

from __future__ import annotations

import sys

from interfaces.cli.running import run_api
from interfaces.settings import Settings


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    # No access log: it would measure terminal/file output, not the API.
    run_api(Settings(), host, port, workers, log_level="warning")


if __name__ == "__main__":
    main()
