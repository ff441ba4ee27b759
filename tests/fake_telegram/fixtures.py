"""The ``tg`` fixture, for any test directory.

Use it from another conftest with ``from tests.fake_telegram.fixtures import tg as tg``, or list
``"tests.fake_telegram.fixtures"`` in the root conftest's ``pytest_plugins``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fake_telegram.server import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API server on a free loopback port, stopped after the test."""
    async with FakeTelegram() as fake:
        yield fake
