from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from .roles import LEVEL, THREE_ADMINS, Level, Role


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # The phone number the activation code goes to: personal data, encrypted; only the mask is shown.
    phone_enc = models.TextField(_("手机号（密文）"), blank=True)
    phone_masked = models.CharField(_("手机号"), max_length=11, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    # Sessions and tokens issued before this instant stop working at their next request.
    sessions_valid_after = models.DateTimeField(_("会话有效起点"), null=True, blank=True)
    # An account of the demo data, whose password is published: refused outside demo mode.
    is_demo = models.BooleanField(_("演示账号"), default=False)
    # The interface language chosen with the header switch; empty: Chinese (sheyin.accounts.language).
    language = models.CharField(_("界面语言"), max_length=10, choices=settings.LANGUAGES, blank=True)

    SCOPE = {
        "district": ("assignments__agency_id", "agency_id"),
        "bank": ("assignments__bank_id", "bank_id"),
        "outlet": ("assignments__outlet_id", "outlet_id"),
        "self": ("pk", "user_id"),
    }

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        """Django's answer, kept on this instance: a page asks it for every menu entry, and each asking
        walks every authentication backend. The backends keep the permissions on the instance already."""
        if obj is not None:
            return super().has_perm(perm, obj)
        answers: dict[tuple[str, bool, bool], bool] = self.__dict__.setdefault("_sheyin_has_perm", {})
        key = (perm, self.is_active, self.is_superuser)
        if key not in answers:
            answers[key] = super().has_perm(perm)
        return answers[key]

    def role_summary(self) -> tuple[str, str]:
        """The user's roles and organisations, as words for the audit trail."""
        rows = getattr(self, "_sheyin_assignments", None)  # the request's own (accounts.scope.assignments_of)
        if rows is None:
            rows = list(self.assignments.select_related("agency", "bank", "outlet"))
        with override("zh-hans"):  # stored in one language; pages re-render it in the viewer's
            roles = "、".join(str(Role(a.role).label) for a in rows)
        return (
            roles,
            "、".join(a.organisation_name for a in rows),
        )


class RoleAssignment(models.Model):
    """Binds a user to a role in one organisation. Outlet roles also carry the outlet's bank and district
    so that every scope filter is a plain column comparison."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    agency = models.ForeignKey(
        "institutions.Agency", verbose_name=_("经办机构"), null=True, blank=True, on_delete=models.PROTECT
    )
    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), null=True, blank=True, on_delete=models.PROTECT
    )
    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("网点"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_assignment_per_role"),
            # 三员分立 in the database: at most one of the three admin roles per user.
            models.UniqueConstraint(
                fields=["user"], condition=Q(role__in=sorted(THREE_ADMINS)), name="three_admins_separate"
            ),
            models.CheckConstraint(
                name="assignment_org_matches_level",
                condition=(
                    Q(
                        role__in=[r for r, lv in LEVEL.items() if lv in (Level.ALL, Level.DISTRICT)],
                        agency__isnull=False,
                    )
                    | Q(role__in=[r for r, lv in LEVEL.items() if lv == Level.BANK], bank__isnull=False)
                    | Q(
                        role__in=[r for r, lv in LEVEL.items() if lv in (Level.OUTLET, Level.SELF)],
                        outlet__isnull=False,
                        bank__isnull=False,
                        agency__isnull=False,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {Role(self.role).label} · {self.organisation_name}"

    @property
    def level(self) -> Level:
        return LEVEL[Role(self.role)]

    @property
    def organisation_name(self) -> str:
        org = self.outlet or self.bank or self.agency
        return str(org) if org else ""


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class ActivationCode(models.Model):
    """A one-time code that lets the OWNER of a new or reset account set their own password (三员分立:
    no administrator ever knows a usable password of a business account). Only its keyed hash is kept;
    the clear code goes to the owner through the notification senders (SMS, e-mail)."""

    class Purpose(models.TextChoices):
        NEW = "new", _("新建账号")
        RESET = "reset", _("重置密码")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")
    purpose = models.CharField(_("用途"), max_length=8, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    void_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    sent_to = models.CharField(_("发送至"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one code per account can be used at a time: a new one voids the older ones.
            models.UniqueConstraint(
                fields=["user"], condition=Q(used_at__isnull=True, void_at__isnull=True),
                name="one_open_activation_code_per_user",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.void_at is None and self.expires_at > timezone.now()
