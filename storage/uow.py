"""The unit of work: one transaction per incoming update."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.accounts import AccountRepository
from storage.assessments import AssessmentRepository
from storage.audit import AuditRepository
from storage.consents import ConsentRepository
from storage.crypto import FieldCipher
from storage.erasure import ErasureRepository
from storage.files import LocalFiles
from storage.inventory import Inventory
from storage.keys import KeyRing
from storage.links import LinkRepository
from storage.organisations import OrganisationRepository
from storage.outbox import OutboxRepository
from storage.people import PeopleRepository
from storage.requests import RequestRepository
from storage.statistics import StatisticsRepository


class UnitOfWork:
    """Repositories over one session; rolls back unless ``commit()`` was called."""

    accounts: AccountRepository
    people: PeopleRepository
    consents: ConsentRepository
    links: LinkRepository
    outbox: OutboxRepository
    assessments: AssessmentRepository
    organisations: OrganisationRepository
    audit: AuditRepository
    statistics: StatisticsRepository
    inventory: Inventory
    erasure: ErasureRepository
    requests: RequestRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        keys: KeyRing,
        files: LocalFiles | None = None,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._keys = keys
        self.files = files
        """Files on disk about people (None when the process keeps none)."""

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self.accounts = AccountRepository(self._session, self._cipher, self._keys)
        self.people = PeopleRepository(self._session, self._cipher, self._keys)
        self.consents = ConsentRepository(self._session)
        self.links = LinkRepository(self._session)
        self.outbox = OutboxRepository(self._session, self._cipher)
        self.assessments = AssessmentRepository(self._session)
        self.organisations = OrganisationRepository(self._session)
        self.audit = AuditRepository(self._session)
        self.statistics = StatisticsRepository(self._session)
        self.inventory = Inventory(self._session, self._cipher)
        self.erasure = ErasureRepository(self._session, self._cipher)
        self.requests = RequestRepository(self._session, self._cipher)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._session.rollback()  # a no-op after a successful commit
        await self._session.close()

    async def commit(self) -> None:
        """Make everything written in this unit durable."""
        await self._session.commit()

    async def rollback(self) -> None:
        """Forget everything written in this unit so far."""
        await self._session.rollback()


class Database:
    """Opens units of work; built once at start-up and passed down."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        keys: KeyRing,
        files: LocalFiles | None = None,
    ) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.keys = keys
        self.files = files

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work (use with ``async with``)."""
        return UnitOfWork(self.sessions, self.cipher, self.keys, self.files)
