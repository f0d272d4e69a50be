"""The server's log: one line per request (interfaces.api.observe) and the server's own
messages, as JSON objects or as text (ACCORD_LOG_FORMAT), all on standard error.

No line holds a secret or personal data: requests are named by their route's template and
the id of the key behind them; sign-in link tokens are hidden in any message that quotes a
path (interfaces.web.links.HideLinkTokens).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from interfaces.api.observe import current_request_id

# The fields a request's log line adds to the message (see interfaces.api.observe).
FIELDS = "accord"


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, a request's own fields, or the
    id of the request being served when the line was logged."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if fields:
            entry.update(fields)
        elif (request_id := current_request_id.get()) is not None:
            # Logged while serving a request (handlers format in the thread that logs).
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextLines(logging.Formatter):
    """As uvicorn writes its own messages (`INFO:     ...`), a request's id and key after."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.levelname + ':':<9} {record.getMessage()}"
        fields = getattr(record, FIELDS, None)
        if fields:
            text += f" (request {fields['request_id']}, key {fields['key_id'] or '-'})"
        elif (request_id := current_request_id.get()) is not None:
            text += f" (request {request_id})"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def logging_config(log_format: str) -> dict[str, Any]:
    """The logging configuration `accord serve` gives uvicorn: Accord's request lines in place
    of uvicorn's access log, everything in one format on standard error."""
    formatter = JsonLines if log_format == "json" else TextLines
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"accord": {"()": f"{__name__}.{formatter.__name__}"}},
        "filters": {"hide_link_tokens": {"()": "interfaces.web.links.HideLinkTokens"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "accord",
                "filters": ["hide_link_tokens"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            # Accord logs each request itself (interfaces.api.observe).
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "accord": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }
