"""The bot's small web server (aiohttp + Jinja2): the pages behind mailed links.

Every page is in Dutch or English (the link's language, or ``?lang=``), every form carries a CSRF
token that must match a cookie set with the page, and the only personal thing in a URL is the
random token of the link itself. Responses are never cached and never send a referrer.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import jinja2
import structlog
from aiohttp import web
from babel import negotiate_locale

from dialogs.i18n import SUPPORTED, Translator

log = structlog.get_logger(__name__)

CSRF_COOKIE: Final = "csrf"
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

    def render(
        self,
        request: web.Request,
        template: str,
        *,
        locale: str | None,
        status: int = 200,
        **values: Any,
    ) -> web.Response:
        """A page with a fresh CSRF token for its forms.

        Its language: ``?lang=``, else ``locale`` (the link's), else the browser's
        Accept-Language, else the default.
        """
        wanted = request.query.get("lang")
        if wanted in SUPPORTED:
            locale = wanted
        elif locale is None:
            locale = browser_locale(request, self.translator.default)
        texts = self.translator.texts(locale)
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        html = self.environment.get_template(template).render(
            _=texts.gettext,
            ngettext=texts.ngettext,
            locale=locale,
            other_locales=[loc for loc in SUPPORTED if loc != locale],
            csrf=csrf,
            **values,
        )
        response = web.Response(text=html, content_type="text/html", status=status)
        response.set_cookie(
            CSRF_COOKIE, csrf, httponly=True, samesite="Strict", path="/", secure=request.secure
        )
        return response


def browser_locale(request: web.Request, default: str) -> str:
    """The first supported language in the Accept-Language header."""
    header = request.headers.get("Accept-Language", "")
    preferred = [part.split(";")[0].strip() for part in header.split(",") if part.strip()]
    return negotiate_locale(preferred, list(SUPPORTED), sep="-") or default


def csrf_ok(request: web.Request, form: Any) -> bool:
    """The form's token matches the cookie set with the page (double-submit)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf", ""))
    return bool(cookie) and secrets.compare_digest(cookie, sent)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Headers every page gets; errors become a plain page without details."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _secure(exc)
        raise
    except Exception as exc:
        log.error("web_handler_failed", error=type(exc).__name__)
        response = web.Response(text="Something went wrong.", status=500)
    _secure(response)
    return response


def _secure(response: web.StreamResponse) -> None:
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def template_environment() -> jinja2.Environment:
    """Templates from ``bot/web/templates``, autoescaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
