"""Structured logging: one JSON line per event, never message text or personal data.

Our own events carry only names, counts, durations and error classes. Library loggers go through
the same renderer; the noisy ones are held at WARNING because some log request URLs, and a Bot API
URL contains the bot token.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

import structlog

# Loggers held at a minimum level whatever LOG_LEVEL says: at DEBUG these print request URLs
# (which hold the bot token) or whole updates (which hold what people typed).
MINIMUM_LEVELS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "aiohttp": logging.INFO,
    "aiogram": logging.INFO,
    # Logs every update at INFO ("Update id=… is handled"): the engine's own update_handled line
    # says as much and more, and one line per event is the rule.
    "aiogram.event": logging.WARNING,
    "telegram": logging.INFO,
    "asyncio": logging.WARNING,
    "aiosqlite": logging.INFO,
    "sqlalchemy": logging.WARNING,
}


def setup_logging(level: str = "INFO", *, file: Path | None = None) -> None:
    """Route structlog and the standard library to one JSON-lines stream (stderr or ``file``)."""
    stream: TextIO
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        stream = file.open("a", encoding="utf-8", buffering=1)
    else:
        stream = sys.stderr
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.processors.format_exc_info],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, minimum in MINIMUM_LEVELS.items():
        logging.getLogger(name).setLevel(max(minimum, logging.getLevelName(level)))
