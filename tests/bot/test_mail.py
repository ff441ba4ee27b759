"""The outbox and its sender, against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.mail import MAX_ATTEMPTS, MailSender, SmtpTransport, TemporaryFailure
from bot.services import Services
from storage.models import MailStatus
from storage.outbox import Mail
from tests.chat import ChatDriver


@dataclass
class Inbox:
    """What the SMTP server received; can be told to refuse."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse_with: str | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_with is not None:
            return self.refuse_with
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        self.messages.append(message_from_bytes(raw, _class=EmailMessage, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{port}"
    controller.stop()


def sender_for(services: Services, url: str) -> MailSender:
    return MailSender(services.db, SmtpTransport(url, timeout=5), sender="bot@example.nl")


async def queue(services: Services, n: int = 1) -> None:
    async with services.db.unit_of_work() as uow:
        for i in range(n):
            await uow.outbox.add(
                Mail(f"p{i}@example.nl", "Subject é", "text", "<p>html</p>"),
                purpose="test",
                person_id=None,
                now=services.engine.clock(),
            )
        await uow.commit()


async def statuses(services: Services) -> dict[str, int]:
    async with services.db.unit_of_work() as uow:
        return {s.value: await uow.outbox.count(status=s) for s in MailStatus}


async def test_one_consent_request_is_exactly_one_mail(
    embedded: Services, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it")
    sender = sender_for(embedded, url)
    now = embedded.engine.clock()
    assert await sender.send_due(now) == 1
    assert await sender.send_due(now + timedelta(hours=1)) == 0  # nothing is sent twice
    [message] = inbox.messages
    assert message["To"] == "parent@example.nl"
    assert message["Subject"] == "Sam would like to join the Play Style bot"
    assert message.get_body(preferencelist=("html",)) is not None
    assert (await statuses(embedded))["sent"] == 1


async def test_sent_mail_loses_its_contents(embedded: Services, smtp: tuple[Inbox, str]) -> None:
    _, url = smtp
    await queue(embedded)
    await sender_for(embedded, url).send_due(embedded.engine.clock())
    async with embedded.db.sessions() as session:
        from sqlalchemy import select

        from storage.models import OutboxRow

        row = (await session.scalars(select(OutboxRow))).one()
    assert (row.recipient_enc, row.subject_enc, row.text_enc, row.html_enc) == (None,) * 4


async def test_server_down_means_retry_with_backoff(embedded: Services) -> None:
    await queue(embedded)
    sender = sender_for(embedded, f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    now = embedded.engine.clock()
    assert await sender.send_due(now) == 0
    assert (await statuses(embedded))["pending"] == 1
    assert await sender.send_due(now + timedelta(seconds=5)) == 0  # not due yet: no attempt
    async with embedded.db.unit_of_work() as uow:
        assert (
            await uow.outbox.claim_due(now=now + timedelta(seconds=5), limit=5, lease=timedelta(1))
            == []
        )


async def test_refusal_is_final(embedded: Services, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    inbox.refuse_with = "550 No such user"
    await queue(embedded)
    assert await sender_for(embedded, url).send_due(embedded.engine.clock()) == 0
    assert (await statuses(embedded))["failed"] == 1


async def test_gives_up_after_the_last_attempt(embedded: Services) -> None:
    class AlwaysDown:
        async def send(self, message: Any, *, mail_id: str) -> None:
            raise TemporaryFailure("down")

    await queue(embedded)
    sender = MailSender(embedded.db, AlwaysDown(), sender="bot@example.nl")
    now = embedded.engine.clock()
    for _ in range(MAX_ATTEMPTS):
        now += timedelta(days=1)
        await sender.send_due(now)
    assert (await statuses(embedded))["failed"] == 1


async def test_a_crash_mid_send_never_sends_twice(
    embedded: Services, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    await queue(embedded)
    now = embedded.engine.clock()
    async with embedded.db.unit_of_work() as uow:  # a sender claims, then dies
        claimed = await uow.outbox.claim_due(now=now, limit=5, lease=timedelta(minutes=5))
        await uow.commit()
    assert len(claimed) == 1
    sender = sender_for(embedded, url)
    assert await sender.send_due(now + timedelta(hours=1)) == 0
    async with embedded.db.unit_of_work() as uow:
        assert await uow.outbox.give_up_stuck(now=now + timedelta(hours=1)) == 1
        await uow.commit()
    assert await sender.send_due(now + timedelta(hours=2)) == 0
    assert inbox.messages == []
    assert (await statuses(embedded))["failed"] == 1


async def test_two_senders_share_the_work_without_doubles(
    services: Services, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    await queue(services, 30)
    now = services.engine.clock()
    first, second = sender_for(services, url), sender_for(services, url)
    sent = await asyncio.gather(first.send_due(now), second.send_due(now))
    while (await statuses(services))["pending"]:
        sent += await asyncio.gather(first.send_due(now), second.send_due(now))
    assert sum(sent) == 30
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"p{i}@example.nl" for i in range(30))


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_a_plain_smtp_url_logs_in_after_starttls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like a submission server on port 587: STARTTLS first, then the login, then the mail."""
    cert_file, key_file = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # trust it, as a real CA would be
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    logins: list[str] = []

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        logins.append(data.login.decode())
        return AuthResult(success=data.login == b"bot" and data.password == b"s3cret")

    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "bot@example.nl", "p@example.nl", "Hi"
        message.set_content("hello")
        await SmtpTransport(f"smtp://bot:s3cret@127.0.0.1:{port}", timeout=5).send(
            message, mail_id="m1"
        )
    finally:
        controller.stop()
    assert logins == ["bot"]
    assert [m["Subject"] for m in inbox.messages] == ["Hi"]
