"""Terminal pages under /kiosk/ (touch-sized, large type, reset after 60 idle seconds), the public
verification of a printout, and the staff pages that register terminals and read their log."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.casework.selectors import receipt_by_code
from sheyin.common.access import permission_required, public
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.links import public_url
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate
from sheyin.common.masking import mask_name
from sheyin.common.pdf import qr_svg
from sheyin.common.verification import check_request, normalise_code
from sheyin.cooperation.selectors import current_suspension
from sheyin.coresystem.printing import benefit_lines
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.selectors import outlets_for

from . import selectors, services, sms
from .forms import (
    ActivateForm,
    CodeLookupForm,
    CodeSendForm,
    CodeVerifyForm,
    IdentifyForm,
    ReasonForm,
    TerminalForm,
)  # fmt: skip
from .models import Terminal, TerminalQuery
from .workflow import TerminalStatus


class TerminalRequest(HttpRequest):
    """A request from a self-service terminal: `terminal_required` has authenticated the device."""

    terminal: Terminal


COOKIE = "sheyin_kiosk"
HEADER = "X-Kiosk-Credential"
PERSON = "kiosk_person"
OTP = "kiosk_otp"
PDF_CACHE = "kiosk:pdf:{terminal}:{code}"
LANGUAGE = "kiosk_lang"


# --- terminal plumbing ------------------------------------------------------------------------------


def kiosk_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A terminal speaks Chinese whatever its browser asks for, until the citizen switches (the switch
    lasts until the citizen leaves: "退出" or the idle reset)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        chosen = request.session.get(LANGUAGE)
        lang = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        return view(request, *args, **kwargs)

    return wrapped


def terminal_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The citizen is anonymous; the device proves itself with its credential (cookie or header)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        terminal = services.terminal_from_cookie(request.COOKIES.get(COOKIE) or request.headers.get(HEADER))
        if terminal is None:
            return render(request, "kiosk/not_activated.html", status=403)
        request.terminal = terminal  # type: ignore[attr-defined]  # see TerminalRequest
        reason = services.out_of_service_reason(terminal)
        if reason:  # the outlet is suspended or terminated: nobody is served, whoever was identified
            _forget(request)  # type: ignore[arg-type]
            suspension = current_suspension(terminal.outlet)
            ctx = {"terminal": terminal, "reason": reason, "suspension": suspension}
            return render(request, "kiosk/out_of_service.html", ctx)  # a page that explains, not an error
        return view(request, *args, **kwargs)

    return public(kiosk_language(wrapped))


def _current(request: TerminalRequest) -> dict[str, Any] | None:
    """The person identified at this terminal, unless 60 idle seconds have passed (then forgotten)."""
    data = request.session.get(PERSON)
    if not data or data.get("terminal") != request.terminal.pk:
        return None
    if time.time() - data.get("t", 0) > services.idle_seconds():
        _forget(request)
        return None
    data["t"] = time.time()
    request.session.modified = True
    return dict(data)


def _remember(request: TerminalRequest, person: Any) -> None:
    request.session.cycle_key()
    request.session[PERSON] = {
        "terminal": request.terminal.pk,
        "ref": person.ref,
        "masked_name": mask_name(person.name),
        "id_masked": person.id_masked,
        "t": time.time(),
    }


def _forget(request: TerminalRequest) -> None:
    request.session.pop(PERSON, None)
    request.session.pop(OTP, None)


def verify_path(code: str) -> str:
    """The public verification page: /verify/record/<code>/ once mounted, else under /kiosk/."""
    try:
        return reverse("record_verify:record", args=[code])
    except NoReverseMatch:
        return reverse("kiosk:verify_record", args=[code])


# --- terminal pages ---------------------------------------------------------------------------------


@terminal_required
def home(request: TerminalRequest) -> HttpResponse:
    _forget(request)
    # Left in another language, the start page returns to Chinese after the idle time like any other.
    switched = request.session.get(LANGUAGE) not in (None, settings.LANGUAGE_CODE)
    return render(request, "kiosk/home.html", {"terminal": request.terminal, "switched": switched})


@terminal_required
def end(request: TerminalRequest) -> HttpResponse:
    _forget(request)
    request.session.pop(LANGUAGE, None)
    return redirect("kiosk:home")


@public
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The terminal's language switch (中文 / English) for the citizen at it now."""
    lang = request.POST.get("language", "")
    if lang in dict(settings.LANGUAGES):
        request.session[LANGUAGE] = lang
    target = request.POST.get("next", "")
    if not (target.startswith("/kiosk/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        target = reverse("kiosk:home")
    return redirect(target)


@terminal_required
def identify(request: TerminalRequest) -> HttpResponse:
    form = IdentifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.kiosk_identify(
                terminal=request.terminal,
                id_number=form.cleaned_data["id_number"],
                card_number=form.cleaned_data["card_number"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            _remember(request, person)
            return redirect("kiosk:record")
    return render(request, "kiosk/identify.html", {"form": form})


@terminal_required
def identify_code(request: TerminalRequest) -> HttpResponse:
    """Step 1: the ID number, a code goes to the phone on file. Step 2: the code."""
    step = "verify" if OTP in request.session else "send"
    send_form = CodeSendForm(request.POST if step == "send" and request.method == "POST" else None)
    verify_form = CodeVerifyForm(request.POST if step == "verify" and request.method == "POST" else None)
    if request.method == "POST" and request.POST.get("restart"):
        request.session.pop(OTP, None)
        return redirect("kiosk:identify_code")
    wait: dict[str, Any] | None = None
    if step == "send" and request.method == "POST" and send_form.is_valid():
        try:
            otp_id = services.otp_send(
                terminal=request.terminal, id_number=send_form.cleaned_data["id_number"]
            )
        except services.CodeWait as exc:  # shown as its own notice, with the time it may be asked again
            until = timezone.localtime() + dt.timedelta(seconds=exc.seconds)
            wait = {"message": exc.messages[0], "seconds": exc.seconds, "until": until}
        except ValidationError as exc:
            apply_errors(send_form, exc, "id_number")
        else:
            request.session[OTP] = {"id": otp_id, "t": time.time()}
            return redirect("kiosk:identify_code")
    if step == "verify" and request.method == "POST" and verify_form.is_valid():
        try:
            person = services.otp_verify(
                terminal=request.terminal,
                otp_id=request.session[OTP].get("id"),
                code=verify_form.cleaned_data["code"],
            )
        except ValidationError as exc:
            apply_errors(verify_form, exc, "code")
        else:
            request.session.pop(OTP, None)
            _remember(request, person)
            return redirect("kiosk:record")
    otp = request.session.get(OTP) or {}
    demo = sms.demo_code(otp["id"]) if otp.get("id") else None
    return render(
        request,
        "kiosk/identify_code.html",
        {"step": step, "send_form": send_form, "verify_form": verify_form, "demo_code": demo, "wait": wait},
    )


@terminal_required
def record(request: TerminalRequest) -> HttpResponse:
    person = _current(request)
    if person is None:
        messages.info(request, _("请先核验身份。"))
        return redirect("kiosk:identify")
    rec = services.record_view(terminal=request.terminal, person_ref=person["ref"])
    recent = list(reversed(rec.rows[-24:]))
    return render(request, "kiosk/record.html", {"person": person, "rec": rec, "recent": recent})


@terminal_required
@require_POST
def record_print(request: TerminalRequest) -> HttpResponse:
    person = _current(request)
    if person is None:
        return redirect("kiosk:identify")
    terminal = request.terminal
    printed, pdf = services.record_print(
        terminal=terminal,
        person_ref=person["ref"],
        verify_url=lambda code, h: public_url(verify_path(code)) + f"?h={h[:32]}",
        rating_url=lambda token: public_url(reverse("rate:rate", args=[token])),
    )
    # The terminal's print agent fetches the file once, within minutes; the platform keeps no copy.
    cache.set(PDF_CACHE.format(terminal=terminal.pk, code=printed.code), pdf, 300)
    return redirect("kiosk:printed", code=printed.code)


@terminal_required
def printed(request: TerminalRequest, code: str) -> HttpResponse:
    if _current(request) is None:
        return redirect("kiosk:home")
    printed = selectors.printed_at_terminal(request.terminal, normalise_code(code))
    if printed is None:
        raise Http404
    ctx: dict[str, Any] = {"printed": printed}
    if printed.rating_token is not None:
        url = public_url(reverse("rate:rate", args=[printed.rating_token.token]))
        ctx.update(rating_code=printed.rating_token.code_display, rating_qr=qr_svg(url, scale=5))
    return render(request, "kiosk/printed.html", ctx)


@terminal_required
def printed_pdf(request: TerminalRequest, code: str) -> HttpResponse:
    if _current(request) is None:
        raise Http404
    pdf = cache.get(PDF_CACHE.format(terminal=request.terminal.pk, code=normalise_code(code)))
    if pdf is None:
        raise Http404
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = 'inline; filename="rights-record.pdf"'
    resp["Cache-Control"] = "no-store"
    return resp


@public
@kiosk_language
def activate(request: HttpRequest) -> HttpResponse:
    """Done once on the device by the outlet manager: the terminal stores its credential in a cookie."""
    form = ActivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _terminal, value = services.terminal_activate(
                serial=form.cleaned_data["serial"], credential=form.cleaned_data["credential"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            resp = redirect("kiosk:home")
            resp.set_cookie(COOKIE, value, max_age=400 * 86400, httponly=True, samesite="Strict",
                            secure=request.is_secure())  # fmt: skip
            return resp
    return render(request, "kiosk/activate.html", {"form": form})


# --- public verification ----------------------------------------------------------------------------


@public
def verify_lookup(request: HttpRequest) -> HttpResponse:
    form = CodeLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect(verify_path(normalise_code(form.cleaned_data["code"])))
    return render(request, "kiosk/verify.html", {"lookup": form})


@public
def verify_record(request: HttpRequest, code: str) -> HttpResponse:
    """What the printout said when it was printed (masked name, period, months, bases, amounts, totals),
    where, when and how it was printed, for whoever holds the paper to compare with it; and the check of a
    PDF file or of the printed digest (R2.1). A typed code that belongs to a window receipt goes there."""
    code = normalise_code(code)
    printed = selectors.printed_by_code(code)
    if printed is None:
        if receipt_by_code(code) is not None:
            return redirect("receipt_verify:receipt", code=code)
        return render(request, "kiosk/verify.html", {"unknown": True, "lookup": CodeLookupForm()}, status=404)
    check = check_request(request, pdf_hash=printed.pdf_hash, content_hash=printed.content_hash)
    content = selectors.printed_content(printed)
    ctx: dict[str, Any] = {"printed": printed, "check": check, "content": content}
    if content is not None and content.intact:
        ctx["record"] = content.record
        ctx["benefits"] = [{"label": label, "months": n, "amount": amount}
                           for label, n, amount in benefit_lines(content.record)]  # fmt: skip
    return render(request, "kiosk/verify.html", ctx)


# --- staff: terminals and their log -----------------------------------------------------------------

TERMINAL_LIST = ListSpec(
    search_fields=("name", "serial", "outlet__name"), filters={"status": "status", "outlet": "outlet_id"},
    order_by=("outlet__code", "name"),
    sorts={"name": "name", "serial": "serial", "outlet": "outlet__name", "status": "status",
           "seen": "last_seen_at"},
)  # fmt: skip
TERMINAL_COLUMNS = [
    Column(gettext_lazy("网点编号"), lambda t: t.outlet.code),
    Column(gettext_lazy("网点"), lambda t: t.outlet.name),
    Column(gettext_lazy("终端名称"), lambda t: t.name),
    Column(gettext_lazy("设备序列号"), lambda t: t.serial),
    Column(gettext_lazy("状态"), lambda t: t.get_status_display()),
    Column(gettext_lazy("最近在线"), lambda t: t.last_seen_at),
]


@list_view(TERMINAL_LIST)
@permission_required("kiosk.view_terminals")
def terminal_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.terminals_for(request.user), request, TERMINAL_LIST)
    if request.GET.get("export") == "xlsx":
        return export_response(
            request, filename="terminals", title=_("自助终端"), columns=TERMINAL_COLUMNS, qs=qs
        )
    return render(
        request,
        "kiosk/terminal_list.html",
        {"page_obj": paginate(qs, request), "statuses": TerminalStatus.choices},
    )


def _registrable_outlets(user: Any) -> Any:
    return outlets_for(user).filter(status__in=[OutletStatus.ACCEPTED, OutletStatus.OPERATING])


@permission_required("kiosk.manage_terminals")
def terminal_create(request: AuthedRequest) -> HttpResponse:
    form = TerminalForm(request.POST or None, outlets=_registrable_outlets(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            terminal, secret = services.terminal_register(
                outlet=form.cleaned_data["outlet"], serial=form.cleaned_data["serial"],
                name=form.cleaned_data["name"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Rendered, not redirected: the credential is never stored or put in a URL.
            return render(
                request,
                "kiosk/terminal_secret.html",
                {
                    "terminal": terminal,
                    "secret": secret,
                    "activate_url": public_url(reverse("kiosk:activate")),
                },
            )
    return render(request, "kiosk/terminal_form.html", {"form": form})


@permission_required("kiosk.view_terminals")
def terminal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    terminal = get_object_or_404(selectors.terminals_for(request.user), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("kiosk.manage_terminals"):
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "rotate":
                secret = services.terminal_rotate_credential(terminal=terminal, by=request.user)
                return render(
                    request,
                    "kiosk/terminal_secret.html",
                    {
                        "terminal": terminal,
                        "secret": secret,
                        "activate_url": public_url(reverse("kiosk:activate")),
                    },
                )
            if form.is_valid():
                fn = services.terminal_disable if action == "disable" else services.terminal_enable
                fn(terminal=terminal, reason=form.cleaned_data["reason"], by=request.user)
                messages.success(request, _("终端状态已更新。"))
                return redirect("kiosk:terminal_detail", pk=terminal.pk)
        except ValidationError as exc:
            apply_errors(form, exc, "reason")
    recent = selectors.queries_for(request.user).filter(terminal=terminal)[:10]
    activity = selectors.terminal_activity(terminal)
    counts = [(label, activity.get(value, {}).get("n", 0)) for value, label in TerminalQuery.Action.choices]
    return render(
        request,
        "kiosk/terminal_detail.html",
        {"terminal": terminal, "form": form, "counts": counts, "recent": recent},
    )


QUERY_LIST = ListSpec(
    search_fields=("person_masked", "terminal__name", "outlet__name"),
    filters={"action": "action", "terminal": "terminal_id", "from": "at__date__gte", "to": "at__date__lte"},
    order_by=("-at", "-id"),
    sorts={"at": "at"},  # a log: read in time order, either way
)
QUERY_COLUMNS = [
    Column(gettext_lazy("时间"), lambda q: q.at),
    Column(gettext_lazy("网点"), lambda q: q.outlet.name),
    Column(gettext_lazy("终端"), lambda q: q.terminal.name),
    Column(gettext_lazy("操作"), lambda q: q.get_action_display()),
    Column(gettext_lazy("证件号码（脱敏）"), lambda q: q.person_masked),
    Column(gettext_lazy("打印件核验码"), lambda q: q.printed.code_display if q.printed else ""),
]


@list_view(QUERY_LIST)
@permission_required("kiosk.view_queries")
def query_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.queries_for(request.user), request, QUERY_LIST)
    if request.GET.get("export") == "xlsx":
        return export_response(
            request,
            filename="terminal-queries",
            title=_("终端查询记录"),
            columns=QUERY_COLUMNS,
            qs=qs,
        )
    ctx = {
        "page_obj": paginate(qs, request),
        "actions": TerminalQuery.Action.choices,
        "terminals": selectors.terminals_for(request.user)
        if request.user.has_perm("kiosk.view_terminals")
        else [],
    }
    template = "kiosk/_query_rows.html" if request.htmx else "kiosk/query_list.html"
    return render(request, template, ctx)
