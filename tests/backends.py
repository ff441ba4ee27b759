"""Where the test servers are, and whether a missing one may be skipped."""

from __future__ import annotations

import os
from typing import Final

IN_CI: Final = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_DATABASE_URL: Final = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
TEST_REDIS_URL: Final = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
