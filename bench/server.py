"""The API in a process of its own, as `accord serve` runs it (one uvicorn worker).

Configured like any deployment, from ACCORD_* environment variables (bench/run.py sets the
database URL, the schema and `ACCORD_PROJECTOR=off`: nothing is written while it measures).
Usage: python -m bench.server HOST PORT
"""

from __future__ import annotations

import sys

import uvicorn

from interfaces.api.app import create_app
from interfaces.settings import Settings


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    # No access log: it would measure terminal/file output, not the API.
    uvicorn.run(create_app(Settings()), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
