"""What every web page needs: the templates (autoescaped, in the reader's language), the login cookie of each realm,
the CSRF token of every form, a form's fields, and an answer that is a page or a redirect.

A page never holds a business rule: it reads the form, calls a domain service with the viewer's ``Principal``, and
renders. A service's ``ValidationFailed`` is shown next to its fields on the same form (``FormError``); any other
failure becomes the realm's error page (``error_page``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import secrets
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hostlane.core.countries import COUNTRY_CODES
from hostlane.core.errors import Forbidden, PayloadTooLarge, ValidationFailed
from hostlane.core.formats import decode_fields
from hostlane.core.money import to_decimal
from hostlane.faces.common import ErrorInfo, get_runtime
from hostlane.faces.face import came_over_https

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
LOCALES = HERE / "locale"
LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "hostlane_lang"
FORM_COOKIE = "hostlane_form"  # a random value per browser that every form's CSRF token is derived from
CSRF_FIELD = "csrf_token"

# Every page's policy: this server's own script, style and images only, no inline script, no framing. The billing
# page widens it for Stripe.js (``STRIPE_CSP``), which Stripe requires to be loaded from js.stripe.com.
WEB_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'none'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
STRIPE_CSP = (
    "default-src 'self'; script-src 'self' https://js.stripe.com; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https://*.stripe.com; connect-src 'self' https://api.stripe.com; "
    "frame-src https://js.stripe.com https://hooks.stripe.com; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
PAGE_HEADERS = {"Cache-Control": "no-store", "Content-Security-Policy": WEB_CSP}


# ---------------------------------------------------------------------------------------------------------------
# Language


def _catalogues() -> dict[str, Translations]:
    """Each language's messages, read from the ``.po`` files of ``locale/<language>/LC_MESSAGES`` (one per area:
    ``web``, ``portal``, ``admin``) and compiled in memory, so a checkout needs no build step."""
    loaded: dict[str, Translations] = {}
    for language in LANGUAGES:
        merged: Translations | None = None
        for po in sorted((LOCALES / language / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as source:
                catalog = read_po(source, locale=language)
            compiled = io.BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            translations = Translations(compiled)
            merged = translations if merged is None else merged.merge(translations)
        if merged is not None:
            loaded[language] = merged
    return loaded


_TRANSLATIONS = _catalogues()
_language: ContextVar[str] = ContextVar("hostlane_web_language", default=DEFAULT_LANGUAGE)


def _translations() -> NullTranslations:
    return _TRANSLATIONS.get(_language.get()) or NullTranslations()


def gettext(message: str) -> str:
    """``message`` in the reader's language (English where no translation is known)."""
    return _translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations().ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues (``pybabel extract -k N_``) where it is translated later, when shown."""
    return message


# Words shown through ``_()`` from data (a status), marked here so the catalogues hold them.
STATUS_WORDS = [
    N_("Pending"), N_("Active"), N_("Suspended"), N_("Terminated"), N_("Cancelled"), N_("Expired"),
    N_("Draft"), N_("Unpaid"), N_("Paid"), N_("Refunded"), N_("Collections"),
    N_("Open"), N_("Answered"), N_("Customer reply"), N_("Closed"), N_("Completed"), N_("Failed"),
]  # fmt: skip


def language_of(request: Request, preferred: str | None = None) -> str:
    """The reader's language: the one it chose (the language cookie), else its account's (``preferred``, a
    locale such as ``fr_FR``), else the best of its browser's ``Accept-Language``, else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if preferred:
        short = preferred.replace("-", "_").split("_", 1)[0].lower()
        if short in LANGUAGES:
            return short
    accepted = [
        part.split(";", 1)[0].strip().replace("-", "_")
        for part in request.headers.get("accept-language", "").split(",")
    ]
    try:
        negotiated = Locale.negotiate([item for item in accepted if item], list(LANGUAGES), sep="_")
    except (UnknownLocaleError, ValueError):
        negotiated = None
    return str(negotiated.language) if negotiated is not None else DEFAULT_LANGUAGE


def use_language(language: str) -> None:
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


# ---------------------------------------------------------------------------------------------------------------
# Formatting, for the reader's locale


def money(amount_minor: int | None, currency: str) -> str:
    """``12,34 €`` for a French reader, ``€12.34`` for an English one."""
    if amount_minor is None:
        return ""
    return format_currency(to_decimal(int(amount_minor), currency), currency, locale=_language.get())


def decimal_money(amount: Decimal | str | float | None, currency: str) -> str:
    if amount is None:
        return ""
    return format_currency(Decimal(str(amount)), currency, locale=_language.get())


def date(value: dt.date | dt.datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = (
            dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else dt.date.fromisoformat(value)
        )
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, format="medium", locale=_language.get())


def datetime(value: dt.datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_datetime(value, format="medium", tzinfo=dt.UTC, locale=_language.get())


def countries() -> list[tuple[str, str]]:
    """Every country an address may name (ISO 3166-1 alpha-2), by its name in the reader's language, sorted."""
    names = Locale.parse(_language.get()).territories
    return sorted(((code, names.get(code, code)) for code in COUNTRY_CODES), key=lambda pair: pair[1].casefold())


# ---------------------------------------------------------------------------------------------------------------
# Templates

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
environment.filters.update(money=money, decimal_money=decimal_money, date=date, datetime=datetime)
environment.globals.update(LANGUAGES=LANGUAGES, countries=countries)


# ---------------------------------------------------------------------------------------------------------------
# Realms: the client area and the admin panel, each with its own login cookie


@dataclass(frozen=True, slots=True)
class Realm:
    name: str  # "portal" or "admin": the web session's realm
    prefix: str  # "/portal"
    cookie: str  # the login cookie's name
    title: str  # shown in the page title

    @property
    def login_path(self) -> str:
        return f"{self.prefix}/login"


PORTAL = Realm("portal", "/portal", "hostlane_portal", N_("Client area"))
ADMIN = Realm("admin", "/admin", "hostlane_admin", N_("Admin panel"))
SESSION_LIFETIME = dt.timedelta(hours=12)


def set_login_cookie(request: Request, response: Response, realm: Realm, token: str) -> None:
    response.set_cookie(
        realm.cookie,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=realm.prefix,
        httponly=True,
        samesite="lax",
        secure=came_over_https(request, get_runtime(request).settings),
    )


def clear_login_cookie(request: Request, response: Response, realm: Realm) -> None:
    response.delete_cookie(
        realm.cookie,
        path=realm.prefix,
        httponly=True,
        samesite="lax",
        secure=came_over_https(request, get_runtime(request).settings),
    )


def safe_next(realm: Realm, target: str | None) -> str:
    """Where to go after logging in: a path of the same realm, never another site (``//evil``, ``https://…``)."""
    home = f"{realm.prefix}/"
    if not target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(realm.prefix + "/") or "\\" in target:
        return home
    return target


# ---------------------------------------------------------------------------------------------------------------
# CSRF: a hidden field derived from the browser's form cookie and its login, checked on every POST


def _anchor(request: Request) -> str:
    anchor = request.cookies.get(FORM_COOKIE) or getattr(request.state, "form_anchor", None)
    if not anchor:
        anchor = secrets.token_urlsafe(32)
        request.state.form_anchor = anchor  # set on the answer by ``page``
    return str(anchor)


def csrf_token(request: Request, realm: Realm) -> str:
    """The token every form of ``realm`` carries: an HMAC of the browser's form cookie and its login cookie, so a
    token is worth nothing in another browser or after the login changed."""
    secret = get_runtime(request).settings.secret_key.encode()
    login = getattr(request.state, "login_token", None) or request.cookies.get(realm.cookie, "")
    message = f"{realm.name}|{_anchor(request)}|{login}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class CsrfRefused(Forbidden):
    code = "csrf"
    message = "This form has expired or was not sent from this site. Reload the page and try again."


def check_csrf(request: Request, realm: Realm, fields: Mapping[str, str]) -> None:
    sent = fields.get(CSRF_FIELD, "")
    if not request.cookies.get(FORM_COOKIE) or not hmac.compare_digest(sent, csrf_token(request, realm)):
        raise CsrfRefused()


# ---------------------------------------------------------------------------------------------------------------
# Forms


async def form_fields(request: Request, realm: Realm, *, csrf: bool = True) -> dict[str, str]:
    """The fields of a posted form (URL-encoded or multipart), each the text of its last value, after the CSRF
    check. A body over the request limit is refused (413) before it is read whole."""
    limit = get_runtime(request).settings.max_request_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()
    body = await request.body()
    if len(body) > limit:
        raise PayloadTooLarge()
    data = decode_fields(body, request.headers.get("content-type"))
    fields = {str(name): _text(value) for name, value in data.items()}
    if csrf:
        check_csrf(request, realm, fields)
    return fields


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return _text(value[-1]) if value else ""
    return str(value).strip()


@dataclass
class FormError(Exception):
    """A form to show again: what was typed and the message of each refused field."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""

    @classmethod
    def of(cls, failure: ValidationFailed) -> FormError:
        return cls(dict(failure.fields or {}), failure.message)

    @classmethod
    def field(cls, name: str, problem: str) -> FormError:
        return cls({name: [problem]}, problem)


def required(fields: Mapping[str, str], *names: str) -> dict[str, str]:
    """The named fields, each non-blank, or a ``FormError`` naming every blank one."""
    missing = {name: [_("This field is required.")] for name in names if not fields.get(name)}
    if missing:
        raise FormError(missing, _("Some fields need your attention."))
    return {name: fields[name] for name in names}


# ---------------------------------------------------------------------------------------------------------------
# Answers

# Notices a redirect may name (``?notice=saved``): the page shows the text kept here, never text from the URL.
NOTICES: dict[str, Callable[[], str]] = {}


def notice(key: str, text: Callable[[], str]) -> None:
    NOTICES[key] = text


def page(
    request: Request,
    realm: Realm,
    template: str,
    *,
    status: int = 200,
    viewer: Any = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered for the viewer, in its language, with the CSRF token its forms carry."""
    wanted = request.query_params.get("notice", "")
    shown = NOTICES[wanted]() if wanted in NOTICES else None
    html = environment.get_template(template).render(
        request=request,
        realm=realm,
        viewer=viewer,
        csrf_token=csrf_token(request, realm),
        csrf_field=CSRF_FIELD,
        language=_language.get(),
        notice=shown,
        path=request.url.path,
        errors=context.pop("errors", {}),
        values=context.pop("values", {}),
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})
    anchor = getattr(request.state, "form_anchor", None)
    if anchor and not request.cookies.get(FORM_COOKIE):
        response.set_cookie(
            FORM_COOKIE,
            anchor,
            path="/",
            httponly=True,
            samesite="lax",
            secure=came_over_https(request, get_runtime(request).settings),
        )
    return response


def redirect(url: str, *, notice_key: str | None = None) -> RedirectResponse:
    """303 See Other (post/redirect/get), with a notice the next page shows."""
    if notice_key:
        url += ("&" if "?" in url else "?") + f"notice={quote(notice_key)}"
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def attachment(content: bytes, name: str, media_type: str) -> Response:
    """A file the browser downloads as ``name`` (an invoice's PDF), never kept in a cache."""
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(content, media_type=media_type, headers=headers)


ERROR_TITLES: dict[int, Callable[[], str]] = {
    400: lambda: _("Bad request"),
    401: lambda: _("Please log in"),
    402: lambda: _("Payment declined"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Page not found"),
    405: lambda: _("Not allowed"),
    409: lambda: _("Conflict"),
    413: lambda: _("Too large"),
    422: lambda: _("Page not found"),
    429: lambda: _("Too many attempts"),
    502: lambda: _("A system we depend on refused the change"),
    503: lambda: _("A system we depend on is not answering"),
}


def error_page_renderer(realm: Realm) -> Callable[[Request, ErrorInfo], Response]:
    """The realm's error renderer: a 401 is a redirect to its login page (back here after logging in), anything
    else a page with the status's title and the failure's own message (never a trace). A 422 outside a form is a
    malformed address (``/portal/invoices/abc``), shown as not found."""

    def render_error(request: Request, info: ErrorInfo) -> Response:
        if info.status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            url = realm.login_path if request.method != "GET" else f"{realm.login_path}?next={quote(target)}"
            response: Response = redirect(url)
            return response
        status = 404 if info.status == 422 else info.status
        title = ERROR_TITLES.get(status, lambda: _("Something went wrong"))()
        message = "" if status in (404, 500) else gettext(info.message)
        return page(
            request,
            realm,
            "error.html",
            status=status,
            viewer=getattr(request.state, "viewer", None),
            headers=info.headers,
            title=title,
            message=message,
            error_status=status,
        )

    return render_error
