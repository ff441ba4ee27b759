"""The bot's small web server (aiohttp + Jinja2): the pages behind mailed links.

Every page is in Dutch or English (the link's language, or ``?lang=``), every form carries a CSRF
token that must match a cookie set with the page, and the only personal thing in a URL is the
random token of the link itself. Responses are never cached and never send a referrer. Refusals
and errors are pages too, in the same languages, never aiohttp's English text.

The CSRF cookie is ``SameSite=Lax``: a link clicked in webmail (a cross-site GET) carries it, so a
second page keeps the token of a form opened earlier in another tab, while a cross-site POST
still comes without it and is refused.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import jinja2
import structlog
from aiohttp import web
from aiohttp.web_request import FileField
from babel import negotiate_locale
from multidict import MultiDictProxy

from dialogs.i18n import SUPPORTED, Translator

log = structlog.get_logger(__name__)

CSRF_COOKIE: Final = "csrf"
_CSRF_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{32}")
"""What ``secrets.token_urlsafe(24)`` makes; another cookie value is replaced."""
_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Pages:
    """Renders templates in a locale."""

    environment: jinja2.Environment
    translator: Translator
    https: bool = False
    """``PUBLIC_URL`` is https: behind the TLS proxy aiohttp itself sees plain HTTP, so cookies
    are marked Secure and browsers told to stay on https (HSTS) from this, not the request."""

    def locale_of(self, request: web.Request, locale: str | None) -> str:
        """The language of a page: ``?lang=``, else ``locale`` (the link's), else the browser's
        Accept-Language, else the default."""
        wanted = request.query.get("lang")
        if wanted in SUPPORTED:
            return wanted
        return locale or browser_locale(request, self.translator.default)

    def render(
        self,
        request: web.Request,
        template: str,
        *,
        locale: str | None,
        status: int = 200,
        switch_language: bool = True,
        **values: Any,
    ) -> web.Response:
        """A page with a CSRF token for its forms, in the language :meth:`locale_of` picks.

        ``switch_language=False`` for pages that end something (a saved password, an answer
        given): their language links would load the used link again and say "already used".
        """
        locale = self.locale_of(request, locale)
        texts = self.translator.texts(locale)
        csrf = request.cookies.get(CSRF_COOKIE, "")
        if not _CSRF_SHAPE.fullmatch(csrf):  # keep a token another open tab's form carries
            csrf = secrets.token_urlsafe(24)
        html = self.environment.get_template(template).render(
            _=texts.gettext,
            ngettext=texts.ngettext,
            locale=locale,
            other_locales=[loc for loc in SUPPORTED if loc != locale] if switch_language else [],
            csrf=csrf,
            **values,
        )
        response = web.Response(text=html, content_type="text/html", status=status)
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="Lax",
            path="/",
            secure=request.secure or self.https,
        )
        return response

    def refuse(
        self, request: web.Request, reason: Refusal, *, locale: str | None = None
    ) -> web.Response:
        """A translated page saying why a request was refused, with the fitting status."""
        return self.render(
            request, "refused.html", locale=locale, reason=reason.value, status=reason.status
        )


class Refusal(StrEnum):
    """Why the server refuses a request: a section of ``refused.html``, with an HTTP status."""

    FORM_EXPIRED = "form_expired"
    """The CSRF token does not match the cookie (or there is no cookie)."""
    NO_CHOICE = "no_choice"
    """Neither yes nor no was chosen."""
    UNREADABLE = "unreadable"
    """The request body cannot be read (a malformed form), or the request makes no sense."""
    TOO_LARGE = "too_large"
    """More than the server accepts."""
    ERROR = "error"
    """Something failed on our side."""

    @property
    def status(self) -> int:
        """The HTTP status of the refusal."""
        return _STATUS[self]


_STATUS: Final = {
    Refusal.FORM_EXPIRED: 403,
    Refusal.NO_CHOICE: 400,
    Refusal.UNREADABLE: 400,
    Refusal.TOO_LARGE: 413,
    Refusal.ERROR: 500,
}


PAGES: Final = web.AppKey("pages", Pages)


async def read_form(
    request: web.Request, *, locale: str | None = None
) -> MultiDictProxy[str | bytes | bytearray | FileField] | web.Response:
    """The posted form, or the page refusing a body that is too large or cannot be read."""
    try:
        return await request.post()
    except web.HTTPRequestEntityTooLarge:
        log.warning("form_refused", reason="too_large")
        return request.app[PAGES].refuse(request, Refusal.TOO_LARGE, locale=locale)
    except (ValueError, LookupError, RuntimeError, web.HTTPBadRequest) as exc:
        # What aiohttp raises for a body it cannot parse: ValueError (a multipart body without
        # or with a wrong boundary), LookupError (an unknown charset), RuntimeError (an unknown
        # Content-Transfer-Encoding).
        log.warning("form_refused", reason="unreadable", error=type(exc).__name__)
        return request.app[PAGES].refuse(request, Refusal.UNREADABLE, locale=locale)


def browser_locale(request: web.Request, default: str) -> str:
    """The first supported language in the Accept-Language header."""
    header = request.headers.get("Accept-Language", "")
    preferred = [part.split(";")[0].strip() for part in header.split(",") if part.strip()]
    return negotiate_locale(preferred, list(SUPPORTED), sep="-") or default


def csrf_ok(request: web.Request, form: Any) -> bool:
    """The form's token matches the cookie set with the page (double-submit)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf", ""))
    return bool(cookie) and secrets.compare_digest(cookie.encode(), sent.encode())


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Headers every page gets; errors become a translated page without details."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:  # a redirect
            _secure(request, exc)
            raise
        response = _error_page(request, _refusal_of(exc.status), status=exc.status)
        if "Allow" in exc.headers:  # 405: which methods would do
            response.headers["Allow"] = exc.headers["Allow"]
    except Exception as exc:
        log.error("web_handler_failed", error=type(exc).__name__)
        response = _error_page(request, Refusal.ERROR)
    _secure(request, response)
    return response


def _refusal_of(status: int) -> Refusal | None:
    if status == 404:
        return None  # a page that does not exist: "this link doesn't work"
    if status == 413:
        return Refusal.TOO_LARGE
    return Refusal.UNREADABLE if status < 500 else Refusal.ERROR


def _error_page(
    request: web.Request, refusal: Refusal | None, *, status: int | None = None
) -> web.Response:
    """The page for an error, in the browser's language; plain text if even that fails."""
    try:
        pages = request.app[PAGES]
        if refusal is None:
            return pages.render(
                request, "link_problem.html", locale=None, problem="unknown", status=status or 404
            )
        return pages.render(
            request,
            "refused.html",
            locale=None,
            reason=refusal.value,
            status=status or refusal.status,
        )
    except Exception as exc:
        log.error("web_error_page_failed", error=type(exc).__name__)
        return web.Response(text="500", status=500)


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.app[PAGES].https:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def template_environment() -> jinja2.Environment:
    """Templates from ``bot/web/templates``, autoescaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
