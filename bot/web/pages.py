"""The pages behind mailed links: a parent's consent, setting a password, moving a profile."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import structlog
from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from bot.web.app import (
    PAGES,
    Pages,
    Refusal,
    csrf_ok,
    read_form,
    security_headers,
    template_environment,
)
from dialogs.organisations import consent as organisation_consent
from dialogs.registration import consent, move
from dialogs.registration.fields import Problem, check_password
from storage.links import Link, LinkProblem
from storage.models import LinkPurpose
from storage.passwords import hash_password, verify_password

if TYPE_CHECKING:
    from bot.services import Services

log = structlog.get_logger(__name__)

SERVICES: Final = web.AppKey("services", object)
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]  # type: ignore[return-value]


def _problem_page(
    request: web.Request, problem: LinkProblem, locale: str | None = None, purpose: str = ""
) -> web.Response:
    status = 404 if problem is LinkProblem.UNKNOWN else 410  # CLOSED: gone, as a used link
    return request.app[PAGES].render(
        request,
        "link_problem.html",
        locale=locale,
        problem=problem.value,
        purpose=purpose,
        status=status,
    )


async def _gone_page(
    request: web.Request, token: str, problem: LinkProblem, purpose: str = ""
) -> web.Response:
    """The page for a link that does not work (any more), in the language of its mail: the
    browser's language only when the link is unknown."""
    async with _services(request).db.unit_of_work() as uow:
        locale = await uow.links.locale_of(token)
    return _problem_page(request, problem, locale, purpose)


def _token(request: web.Request) -> str | None:
    """The link token from the URL, if it has the shape of one."""
    token = request.match_info["token"]
    return token if _TOKEN.fullmatch(token) else None


async def _link(services: Services, token: str, *purposes: LinkPurpose) -> Link | LinkProblem:
    """The link behind a token, if it still works (its language is the pages' language)."""
    async with services.db.unit_of_work() as uow:
        return await uow.links.check(token, *purposes, now=services.engine.clock())


async def consent_page(request: web.Request) -> web.Response:
    """GET: what the child's registration (or sharing) means, with Approve and Decline."""
    services = _services(request)
    settings = services.engine.settings
    token = _token(request)
    if token is None:
        return _problem_page(request, LinkProblem.UNKNOWN)
    link = await _link(services, token, LinkPurpose.CONSENT, LinkPurpose.ORG_CONSENT)
    if isinstance(link, LinkProblem):
        return await _gone_page(request, token, link)
    if link.purpose is LinkPurpose.ORG_CONSENT:
        async with services.db.unit_of_work() as uow:
            shared = await organisation_consent.view(
                uow, token, now=services.engine.clock(), settings=settings
            )
        if isinstance(shared, LinkProblem):
            return _problem_page(request, shared, link.locale)
        return request.app[PAGES].render(
            request, "org_consent.html", locale=shared.locale, view=shared
        )
    async with services.db.unit_of_work() as uow:
        found = await consent.view(uow, token, now=services.engine.clock(), settings=settings)
    if isinstance(found, LinkProblem):
        return _problem_page(request, found, link.locale)
    return request.app[PAGES].render(
        request,
        "consent.html",
        locale=found.locale,
        view=found,
        fields=[f.value for f in found.fields],
        policy_version=settings.policy_version,
        limit=settings.fields.consent_age,
        contact=services.settings.privacy_contact,
    )


@dataclass(frozen=True, slots=True)
class Posted:
    """A form posted behind a mailed link that passed the checks every such form starts with."""

    token: str
    link: Link
    """The link as it was when the form arrived: check it again inside the transaction."""
    form: MultiDictProxy[str | bytes | bytearray | FileField]


async def _posted(
    request: web.Request, *purposes: LinkPurpose, page: str, purpose: str = ""
) -> Posted | web.Response:
    """A token of the right shape, a link of one of ``purposes`` that still works, a readable
    form and its CSRF token; otherwise the page that says which of them failed."""
    token = _token(request)
    if token is None:
        return _problem_page(request, LinkProblem.UNKNOWN)
    link = await _link(_services(request), token, *purposes)
    if isinstance(link, LinkProblem):
        return await _gone_page(request, token, link, purpose=purpose)
    form = await read_form(request, locale=link.locale)
    if isinstance(form, web.Response):
        return form
    if not csrf_ok(request, form):
        log.warning("csrf_refused", page=page)
        return request.app[PAGES].refuse(request, Refusal.FORM_EXPIRED, locale=link.locale)
    return Posted(token, link, form)


async def consent_answer(request: web.Request) -> web.StreamResponse:
    """POST: record the parent's answer, tell the child, and offer to set a password."""
    services = _services(request)
    engine = services.engine
    pages = request.app[PAGES]
    posted = await _posted(request, LinkPurpose.CONSENT, LinkPurpose.ORG_CONSENT, page="consent")
    if isinstance(posted, web.Response):
        return posted
    token, link = posted.token, posted.link
    choice = str(posted.form.get("answer", ""))
    if choice not in ("approve", "decline"):
        return pages.refuse(request, Refusal.NO_CHOICE, locale=link.locale)
    if link.purpose is LinkPurpose.ORG_CONSENT:
        async with services.db.unit_of_work() as uow:
            shared = await organisation_consent.answer(
                uow,
                token,
                approve=choice == "approve",
                now=engine.clock(),
                settings=engine.settings,
                translator=engine.translator,
            )
            if isinstance(shared, LinkProblem):  # nothing is committed
                return _problem_page(request, shared, link.locale)
            await uow.commit()
        await services.deliver(shared.effects)
        return pages.render(
            request,
            "org_consent_done.html",
            locale=shared.locale,
            answered=shared,
            switch_language=False,
        )
    async with services.db.unit_of_work() as uow:
        outcome = await consent.answer(
            uow,
            token,
            approve=choice == "approve",
            now=engine.clock(),
            settings=engine.settings,
            translator=engine.translator,
            codec=engine.codec,
        )
        if isinstance(outcome, LinkProblem):  # nothing is committed
            return _problem_page(request, outcome, link.locale)
        await uow.commit()
    await services.deliver(outcome.effects)
    if outcome.renewal:
        return pages.render(
            request,
            "consent_renewed.html",
            locale=outcome.locale,
            answered=outcome,
            switch_language=False,
        )
    if outcome.approved and outcome.password_token:
        # PUBLIC_URL may have a path (https://example.nl/playbot): the mailed links do.
        public = services.engine.settings.public_url
        raise web.HTTPSeeOther(f"{public}/password/{outcome.password_token}?welcome=1")
    return pages.render(
        request,
        "consent_declined.html",
        locale=outcome.locale,
        child=outcome.child,
        switch_language=False,
    )


async def _opened(
    request: web.Request, link_purpose: LinkPurpose, *, purpose: str
) -> tuple[Link, str] | web.Response:
    """A page opened from a mailed link: the link and the first name of its profile, or the page
    that says why the link does not work."""
    services = _services(request)
    token = _token(request)
    if token is None:
        return _problem_page(request, LinkProblem.UNKNOWN)
    async with services.db.unit_of_work() as uow:
        link = await uow.links.check(token, link_purpose, now=services.engine.clock())
        if isinstance(link, LinkProblem):
            return await _gone_page(request, token, link, purpose=purpose)
        person = await uow.people.get(link.person_id)
    return link, person.nickname or ""


async def password_page(request: web.Request) -> web.Response:
    """GET: a form to set a password."""
    opened = await _opened(request, LinkPurpose.PASSWORD, purpose="password")
    if isinstance(opened, web.Response):
        return opened
    link, name = opened
    return request.app[PAGES].render(
        request,
        "password.html",
        locale=link.locale,
        name=name,
        welcome=request.query.get("welcome") == "1",
        problem=None,
    )


async def password_set(request: web.Request) -> web.Response:
    """POST: check and store the password as an Argon2id hash; the link is then used up."""
    services = _services(request)
    pages = request.app[PAGES]
    posted = await _posted(request, LinkPurpose.PASSWORD, page="password", purpose="password")
    if isinstance(posted, web.Response):
        return posted
    token, form = posted.token, posted.form
    password, repeated = str(form.get("password", "")), str(form.get("repeat", ""))
    now = services.engine.clock()
    async with services.db.unit_of_work() as uow:
        link = await uow.links.check(token, LinkPurpose.PASSWORD, now=now)
        if isinstance(link, LinkProblem):
            return await _gone_page(request, token, link, purpose="password")
        person = await uow.people.get(link.person_id)
        problem: Problem | None = check_password(password, repeated)
        if problem is not None:
            texts = services.translator.texts(pages.locale_of(request, link.locale))
            return pages.render(
                request,
                "password.html",
                locale=link.locale,
                name=person.nickname or "",
                welcome=False,
                problem=texts.gettext(problem.message).format(**problem.params),
                status=422,
            )
        hashed = await asyncio.to_thread(hash_password, password)
        if not await uow.links.use(link, now=now):  # another tab was first
            return _problem_page(request, LinkProblem.USED, link.locale, purpose="password")
        await uow.people.set_password_hash(person.id, hashed)
        await uow.commit()
    log.info("password_set")
    return pages.render(
        request,
        "password_done.html",
        locale=link.locale,
        name=person.nickname,
        switch_language=False,
    )


async def move_page(request: web.Request) -> web.Response:
    """GET: what moving the profile means, and a field for its password."""
    opened = await _opened(request, LinkPurpose.MOVE, purpose="move")
    if isinstance(opened, web.Response):
        return opened
    link, name = opened
    return request.app[PAGES].render(
        request, "move.html", locale=link.locale, name=name, problem=None
    )


async def move_confirm(request: web.Request) -> web.Response:
    """POST: with the right password, move the profile's account to the chat that asked.

    A wrong password is counted on the link; after a few the link stops working.
    """
    services = _services(request)
    pages = request.app[PAGES]
    posted = await _posted(request, LinkPurpose.MOVE, page="move", purpose="move")
    if isinstance(posted, web.Response):
        return posted
    token = posted.token
    password = str(posted.form.get("password", ""))
    now = services.engine.clock()
    async with services.db.unit_of_work() as uow:
        link = await uow.links.check(token, LinkPurpose.MOVE, now=now)
        if isinstance(link, LinkProblem):
            return await _gone_page(request, token, link, purpose="move")
        person = await uow.people.get(link.person_id)
        stored = await uow.people.password_hash(person.id)
        right = stored is not None and await asyncio.to_thread(verify_password, stored, password)
        if not right:
            still = await uow.links.wrong_password(link, allowed=move.WRONG_PASSWORDS)
            await uow.commit()
            log.info("move_refused", reason="password")
            if not still:
                return _problem_page(request, LinkProblem.LOCKED, link.locale, purpose="move")
            texts = services.translator.texts(pages.locale_of(request, link.locale))
            return pages.render(
                request,
                "move.html",
                locale=link.locale,
                name=person.nickname or "",
                problem=texts.gettext(move.WRONG_PASSWORD),
                status=422,
            )
        moved = await move.move_account(uow, link, translator=services.translator, now=now)
        if isinstance(moved, LinkProblem):
            return _problem_page(request, moved, link.locale, purpose="move")
        await uow.commit()
    log.info("account_moved")
    await services.deliver(await moved.leave_old_chat(services.states, services.engine.user_key))
    return pages.render(
        request, "move_done.html", locale=link.locale, name=moved.name, switch_language=False
    )


async def health(_request: web.Request) -> web.Response:
    """For load balancers and the tests: the server is up."""
    return web.Response(text="ok")


def build_web_app(services: Services) -> web.Application:
    """The aiohttp application with every page."""
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[SERVICES] = services
    https = services.engine.settings.public_url.startswith("https://")
    app[PAGES] = Pages(template_environment(), services.translator, https=https)
    app.router.add_get("/healthz", health)
    app.router.add_get("/consent/{token}", consent_page)
    app.router.add_post("/consent/{token}", consent_answer)
    app.router.add_get("/password/{token}", password_page)
    app.router.add_post("/password/{token}", password_set)
    app.router.add_get("/move/{token}", move_page)
    app.router.add_post("/move/{token}", move_confirm)
    return app


async def start_web(services: Services, *, host: str, port: int) -> web.AppRunner:
    """Serve the pages; returns the runner (``await runner.cleanup()`` to stop)."""
    runner = web.AppRunner(build_web_app(services), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("web_started", port=port)
    return runner
