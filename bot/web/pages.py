"""The pages behind mailed links: a parent's consent, and setting a password."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Final

import structlog
from aiohttp import web

from bot.web.app import Pages, csrf_ok, security_headers, template_environment
from dialogs.organisations import consent as organisation_consent
from dialogs.registration import consent
from dialogs.registration.fields import Problem, check_password
from storage.links import LinkProblem
from storage.models import LinkPurpose
from storage.passwords import hash_password

if TYPE_CHECKING:
    from bot.services import Services

log = structlog.get_logger(__name__)

SERVICES: Final = web.AppKey("services", object)
PAGES: Final = web.AppKey("pages", Pages)
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]  # type: ignore[return-value]


def _problem_page(
    request: web.Request, problem: LinkProblem, locale: str | None = None
) -> web.Response:
    status = 404 if problem is LinkProblem.UNKNOWN else 410
    return request.app[PAGES].render(
        request, "link_problem.html", locale=locale, problem=problem.value, status=status
    )


def _token(request: web.Request) -> str | None:
    """The link token from the URL, if it has the shape of one."""
    token = request.match_info["token"]
    return token if _TOKEN.fullmatch(token) else None


async def _purpose(services: Services, token: str) -> LinkPurpose | LinkProblem:
    """Which kind of consent link this is (registration, or sharing with an organisation)."""
    async with services.db.unit_of_work() as uow:
        link = await uow.links.check(
            token, LinkPurpose.CONSENT, LinkPurpose.ORG_CONSENT, now=services.engine.clock()
        )
    return link if isinstance(link, LinkProblem) else link.purpose


async def consent_page(request: web.Request) -> web.Response:
    """GET: what the child's registration (or sharing) means, with Approve and Decline."""
    services = _services(request)
    token = _token(request)
    if token is None:
        return _problem_page(request, LinkProblem.UNKNOWN)
    purpose = await _purpose(services, token)
    if isinstance(purpose, LinkProblem):
        return _problem_page(request, purpose)
    if purpose is LinkPurpose.ORG_CONSENT:
        async with services.db.unit_of_work() as uow:
            shared = await organisation_consent.view(uow, token, now=services.engine.clock())
        if isinstance(shared, LinkProblem):
            return _problem_page(request, shared)
        return request.app[PAGES].render(
            request, "org_consent.html", locale=shared.locale, view=shared
        )
    async with services.db.unit_of_work() as uow:
        found = await consent.view(
            uow, token, now=services.engine.clock(), settings=services.engine.settings
        )
    if isinstance(found, LinkProblem):
        return _problem_page(request, found)
    return request.app[PAGES].render(
        request,
        "consent.html",
        locale=found.locale,
        view=found,
        fields=[f.value for f in found.fields],
        policy_version=services.engine.settings.policy_version,
        limit=services.engine.settings.fields.consent_age,
    )


async def consent_answer(request: web.Request) -> web.StreamResponse:
    """POST: record the parent's answer, tell the child, and offer to set a password."""
    services = _services(request)
    token = _token(request)
    if token is None:
        return _problem_page(request, LinkProblem.UNKNOWN)
    form = await request.post()
    if not csrf_ok(request, form):
        log.warning("csrf_refused", page="consent")
        raise web.HTTPForbidden(text="This form has expired. Please open the link again.")
    choice = str(form.get("answer", ""))
    if choice not in ("approve", "decline"):
        raise web.HTTPBadRequest(text="Please choose yes or no.")
    engine = services.engine
    purpose = await _purpose(services, token)
    if isinstance(purpose, LinkProblem):
        return _problem_page(request, purpose)
    if purpose is LinkPurpose.ORG_CONSENT:
        async with services.db.unit_of_work() as uow:
            shared = await organisation_consent.answer(
                uow,
                token,
                approve=choice == "approve",
                now=engine.clock(),
                settings=engine.settings,
                translator=engine.translator,
            )
            if isinstance(shared, LinkProblem):
                return _problem_page(request, shared)
            await uow.commit()
        await services.deliver(shared.effects)
        return request.app[PAGES].render(
            request, "org_consent_done.html", locale=shared.locale, answered=shared
        )
    async with services.db.unit_of_work() as uow:
        outcome = await consent.answer(
            uow,
            token,
            approve=choice == "approve",
            now=services.engine.clock(),
            settings=engine.settings,
            translator=engine.translator,
            codec=engine.codec,
        )
        if isinstance(outcome, LinkProblem):
            return _problem_page(request, outcome)
        await uow.commit()
    await services.deliver(outcome.effects)
    if outcome.approved and outcome.password_token:
        raise web.HTTPSeeOther(f"/password/{outcome.password_token}?welcome=1")
    return request.app[PAGES].render(
        request, "consent_declined.html", locale=outcome.locale, child=outcome.child
    )


async def password_page(request: web.Request) -> web.Response:
    """GET: a form to set a password."""
    services = _services(request)
    token = _token(request)
    if token is None:
        return _problem_page(request, LinkProblem.UNKNOWN)
    async with services.db.unit_of_work() as uow:
        link = await uow.links.check(token, LinkPurpose.PASSWORD, now=services.engine.clock())
        if isinstance(link, LinkProblem):
            return _problem_page(request, link)
        person = await uow.people.get(link.person_id)
    return request.app[PAGES].render(
        request,
        "password.html",
        locale=link.locale,
        name=person.nickname or "",
        welcome=request.query.get("welcome") == "1",
        problem=None,
    )


async def password_set(request: web.Request) -> web.Response:
    """POST: check and store the password as an Argon2id hash; the link is then used up."""
    services = _services(request)
    token = _token(request)
    if token is None:
        return _problem_page(request, LinkProblem.UNKNOWN)
    form = await request.post()
    if not csrf_ok(request, form):
        log.warning("csrf_refused", page="password")
        raise web.HTTPForbidden(text="This form has expired. Please open the link again.")
    password, repeated = str(form.get("password", "")), str(form.get("repeat", ""))
    now = services.engine.clock()
    async with services.db.unit_of_work() as uow:
        link = await uow.links.check(token, LinkPurpose.PASSWORD, now=now)
        if isinstance(link, LinkProblem):
            return _problem_page(request, link)
        person = await uow.people.get(link.person_id)
        problem: Problem | None = check_password(password, repeated)
        pages = request.app[PAGES]
        if problem is not None:
            texts = services.translator.texts(link.locale)
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
        if not await uow.links.use(link, now=now):
            return _problem_page(request, LinkProblem.USED, link.locale)
        await uow.people.set_password_hash(person.id, hashed)
        await uow.commit()
    log.info("password_set")
    return pages.render(request, "password_done.html", locale=link.locale, name=person.nickname)


async def health(_request: web.Request) -> web.Response:
    """For load balancers and the tests: the server is up."""
    return web.Response(text="ok")


def build_web_app(services: Services) -> web.Application:
    """The aiohttp application with every page."""
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[SERVICES] = services
    app[PAGES] = Pages(template_environment(), services.translator)
    app.router.add_get("/healthz", health)
    app.router.add_get("/consent/{token}", consent_page)
    app.router.add_post("/consent/{token}", consent_answer)
    app.router.add_get("/password/{token}", password_page)
    app.router.add_post("/password/{token}", password_set)
    return app


async def start_web(services: Services, *, host: str, port: int) -> web.AppRunner:
    """Serve the pages; returns the runner (``await runner.cleanup()`` to stop)."""
    runner = web.AppRunner(build_web_app(services), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("web_started", port=port)
    return runner
