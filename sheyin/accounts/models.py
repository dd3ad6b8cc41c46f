from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import LEVEL, THREE_ADMINS, Level, Role


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    # Sessions and tokens issued before this instant stop working at their next request.
    sessions_valid_after = models.DateTimeField(_("会话有效起点"), null=True, blank=True)

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

    def role_summary(self) -> tuple[str, str]:
        """The user's roles and organisations, as words for the audit trail."""
        rows = list(self.assignments.select_related("agency", "bank", "outlet"))
        return (
            "、".join(str(Role(a.role).label) for a in rows),
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
