from __future__ import annotations

import pytest

from dialogs.errors import BadPayload
from dialogs.payload import MAX_BYTES, Payload, PayloadCodec

KEY = b"k" * 32


@pytest.mark.parametrize(
    "payload",
    [
        Payload(flow="lang", action="set", arg="nl"),
        Payload(flow="as", action="pick", arg="T12_D", screen=36**8 - 1),
        Payload(flow="reg", action="back", screen=1),
    ],
)
def test_round_trip(payload: Payload) -> None:
    codec = PayloadCodec(KEY)
    data = codec.encode(payload, user_id=42)
    assert len(data.encode()) <= MAX_BYTES
    assert codec.decode(data, user_id=42) == payload


def test_payload_from_another_user_is_refused() -> None:
    codec = PayloadCodec(KEY)
    data = codec.encode(Payload(flow="lang", action="set", arg="nl"), user_id=1)
    with pytest.raises(BadPayload, match="signature"):
        codec.decode(data, user_id=2)


def test_payload_signed_with_another_key_is_refused() -> None:
    data = PayloadCodec(b"x" * 32).encode(Payload(flow="lang", action="set"), user_id=1)
    with pytest.raises(BadPayload):
        PayloadCodec(KEY).decode(data, user_id=1)


@pytest.mark.parametrize(
    "data",
    ["", "garbage", "2lang.0.set.nl.AAAAAAAA", "1lang.0.set.nl.AAAAAAAA", "1" + "a" * 70],
)
def test_forged_or_malformed_data_is_refused(data: str) -> None:
    with pytest.raises(BadPayload):
        PayloadCodec(KEY).decode(data, user_id=1)


def test_tampered_argument_is_refused() -> None:
    codec = PayloadCodec(KEY)
    data = codec.encode(Payload(flow="lang", action="set", arg="nl"), user_id=1)
    with pytest.raises(BadPayload):
        codec.decode(data.replace(".nl.", ".en."), user_id=1)


def test_too_long_payload_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="longer than 64"):
        PayloadCodec(KEY).encode(Payload(flow="x", action="y", arg="z" * 60), user_id=1)


def test_separator_in_a_part_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="characters"):
        PayloadCodec(KEY).encode(Payload(flow="x", action="y", arg="a.b"), user_id=1)
