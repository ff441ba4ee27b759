"""Fixtures for the fake Bot API's own tests."""

from tests.fake_telegram.fixtures import tg as tg
