"""End-to-end fixtures: the real runtimes polling the fake Bot API server."""

from tests.fake_telegram.fixtures import tg as tg
