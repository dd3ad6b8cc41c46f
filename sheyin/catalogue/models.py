"""The service catalogue (服务事项清单, R5.1, R5.2, R9.2): versions of items, published and then frozen.

A version holds its own copy of every item, so a case accepted under version N keeps pointing at what
N said, whatever later versions change. Once a version is published the database itself refuses any
change to it or to its items (migration 0002); the model guards below only make the ORM say so early.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, models
from django.db.models import ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from .choices import Audience, Category, Channel, Risk
from .workflow import FROZEN, OPEN, ProposalStatus, Status

# Channels are stored as letters in the canonical order T, O, W ("TOW", "OW", "W", …).
CHANNEL_ORDER = [c.value for c in Channel]
CHANNEL_SETS = ["T", "O", "W", "TO", "TW", "OW", "TOW"]
FROZEN_MESSAGE = "catalogue version is published and immutable"


def canonical_channels(values: Any) -> str:
    """Letters of the chosen channels in canonical order, duplicates dropped."""
    chosen = set(values)
    return "".join(c for c in CHANNEL_ORDER if c in chosen)


class FrozenQuerySet(models.QuerySet):
    """Bulk writes that would touch a published version are refused before they reach the database
    (which refuses them too). Django's test harness empties tables with raw SQL, not through here."""

    frozen_lookup = ""

    def _touches_frozen(self) -> bool:
        return self.filter(**{f"{self.frozen_lookup}__in": FROZEN}).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_frozen():
            raise IntegrityError(FROZEN_MESSAGE)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_frozen():
            raise IntegrityError(FROZEN_MESSAGE)
        return super().delete()


class VersionQuerySet(FrozenQuerySet):
    frozen_lookup = "status"


class ItemQuerySet(FrozenQuerySet):
    frozen_lookup = "version__status"


class CatalogueVersion(models.Model):
    number = models.PositiveIntegerField(_("版本号"), unique=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("基于版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("版本说明"), blank=True, help_text=_("本版调整的内容和原因，随公示发布"))
    effective_from = models.DateTimeField(_("生效时间"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编制人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # Everyone who changed the draft's items: none of them may check it (maker–checker).
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), related_name="+")

    # The catalogue is public reference data: every business role reads it (drafts are narrowed further
    # by the selectors to the municipal center).
    SCOPE = {"district": "*", "bank": "*", "outlet": "*", "self": "*"}

    objects = VersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务事项清单版本")
        verbose_name_plural = _("服务事项清单版本")
        ordering = ["-number"]
        constraints = [
            # At most one version is open (draft or in review) at a time: no two drafts race to publish.
            models.UniqueConstraint(
                ExpressionWrapper(Q(status__in=OPEN), output_field=models.BooleanField()),
                condition=Q(status__in=OPEN),
                name="catalogue_one_open_version",
            ),
            # Two published versions never take effect at the same instant.
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(status=Status.PUBLISHED),
                name="catalogue_unique_effective_from",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED)
                | Q(effective_from__isnull=False, published_at__isnull=False),
                name="catalogue_published_has_dates",
            ),
            # Maker–checker in the database too: the checker is neither the creator nor the submitter.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True)
                | (
                    (Q(submitted_by__isnull=True) | ~Q(reviewed_by=F("submitted_by")))
                    & (Q(created_by__isnull=True) | ~Q(reviewed_by=F("created_by")))
                ),
                name="catalogue_checker_is_not_maker",
            ),
        ]

    def __str__(self) -> str:
        return str(_("服务事项清单第%(n)s版") % {"n": self.number})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and type(self).objects.filter(pk=self.pk, status__in=FROZEN).exists():
            raise IntegrityError(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if type(self).objects.filter(pk=self.pk, status__in=FROZEN).exists():
            raise IntegrityError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN


class ServiceItem(models.Model):
    """One listed service, as one version states it. Items are compared across versions by `code`."""

    version = models.ForeignKey(
        CatalogueVersion, verbose_name=_("版本"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(_("事项编码"), max_length=12, help_text=_("格式如 SY-Q-001，跨版本保持不变"))
    name = models.CharField(_("事项名称"), max_length=60)
    category = models.CharField(_("事项类别"), max_length=20, choices=Category.choices)
    audience = models.CharField(_("服务对象"), max_length=12, choices=Audience.choices)
    channels = models.CharField(
        _("办理渠道"), max_length=3, help_text=_("T 自助终端、O 网厅自助、W 人工窗口")
    )
    materials = models.TextField(_("申请材料"), blank=True, help_text=_("每行一项"))
    legal_basis = models.TextField(_("设定依据"), blank=True)
    time_limit_days = models.PositiveSmallIntegerField(
        _("承诺时限（工作日）"), default=0, help_text=_("0 表示即时办结")
    )
    risk = models.CharField(_("风险等级"), max_length=8, choices=Risk.choices, default=Risk.LOW)
    needs_card_machine = models.BooleanField(
        _("需使用制卡机"), default=False, help_text=_("需第三代社保卡制卡机的事项只能在人工窗口办理")
    )
    guide = models.TextField(_("办事指南"), blank=True, help_text=_("经过安全过滤的富文本"))

    SCOPE = {"district": "*", "bank": "*", "outlet": "*", "self": "*"}

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalogue_item_code_per_version"),
            models.UniqueConstraint(fields=["version", "name"], name="catalogue_item_name_per_version"),
            models.CheckConstraint(
                condition=Q(channels__in=CHANNEL_SETS), name="catalogue_item_channels_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="catalogue_item_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="catalogue_item_audience_valid"
            ),
            models.CheckConstraint(condition=Q(risk__in=Risk.values), name="catalogue_item_risk_valid"),
            models.CheckConstraint(
                condition=Q(time_limit_days__lte=365), name="catalogue_item_time_limit_range"
            ),
            # The card machine stands at the staffed window (R2.3).
            models.CheckConstraint(
                condition=Q(needs_card_machine=False) | Q(channels__contains="W"),
                name="catalogue_item_card_machine_at_window",
            ),
        ]
        indexes = [models.Index(fields=["code"], name="catalogue_item_code_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if CatalogueVersion.objects.filter(pk=self.version_id, status__in=FROZEN).exists() or (
            self.pk and type(self).objects.filter(pk=self.pk, version__status__in=FROZEN).exists()
        ):
            raise IntegrityError(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if type(self).objects.filter(pk=self.pk, version__status__in=FROZEN).exists():
            raise IntegrityError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def channel_list(self) -> list[Channel]:
        return [Channel(c) for c in self.channels]

    @property
    def material_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


class CatalogueReview(models.Model):
    """A checker's decision on a version in review. Returns are recorded, never deleted (design rule 4)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("审核通过并发布")
        RETURNED = "returned", _("退回修改")

    version = models.ForeignKey(
        CatalogueVersion, verbose_name=_("版本"), on_delete=models.PROTECT, related_name="reviews"
    )
    decision = models.CharField(_("审核结论"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("审核意见"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("审核时间"), auto_now_add=True)

    SCOPE = {"all": "*"}  # the municipal center only

    class Meta:
        verbose_name = _("清单审核记录")
        verbose_name_plural = _("清单审核记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(reason=""), name="catalogue_return_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.get_decision_display()}"


class ServiceProposal(models.Model):
    """服务事项建议 (R10.2): a bank, a district agency or a consultation (会商) proposes a service for the
    catalogue with its reasons and expected volume; the municipal center reviews it (an officer gives the
    first opinion, an administrator who did not decides) and can carry it into the next catalogue draft.
    The proposer follows it to the outcome. Every step is kept in `ProposalEvent`."""

    class Origin(models.TextChoices):
        BANK = "bank", _("合作银行")
        DISTRICT = "district", _("区级经办机构")
        CONSULTATION = "consultation", _("会商议定事项")

    number = models.CharField(_("建议编号"), max_length=20, unique=True)
    title = models.CharField(_("建议事项名称"), max_length=60)
    category = models.CharField(_("事项类别"), max_length=20, choices=Category.choices)
    audience = models.CharField(_("服务对象"), max_length=12, choices=Audience.choices)
    channels = models.CharField(
        _("建议办理渠道"), max_length=3, help_text=_("T 自助终端、O 网厅自助、W 人工窗口")
    )
    description = models.TextField(_("事项内容和办理方式"))
    reasons = models.TextField(_("建议理由"))
    expected_volume = models.PositiveIntegerField(_("预计年办件量"))
    volume_basis = models.TextField(_("办件量测算依据"), blank=True)
    materials = models.TextField(_("所需材料"), blank=True, help_text=_("每行一项"))
    legal_basis = models.TextField(_("政策依据"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ProposalStatus.choices,
                              default=ProposalStatus.SUBMITTED)  # fmt: skip
    origin = models.CharField(_("提出方式"), max_length=12, choices=Origin.choices)
    agency = models.ForeignKey("institutions.Agency", verbose_name=_("提出机构"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")  # fmt: skip
    bank = models.ForeignKey("institutions.Bank", verbose_name=_("银行"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")  # fmt: skip
    consultation_action = models.ForeignKey("supervision.ConsultationAction", verbose_name=_("会商事项"), null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="+")  # fmt: skip
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("建议人"), on_delete=models.PROTECT,
                                    related_name="+")  # fmt: skip
    submitted_at = models.DateTimeField(_("提交时间"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("初审人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")  # fmt: skip
    reviewed_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    review_opinion = models.TextField(_("初审意见"), blank=True)
    recommend = models.BooleanField(_("初审建议采纳"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # fmt: skip
    decided_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    decision_note = models.TextField(_("审定意见"), blank=True)
    version = models.ForeignKey(CatalogueVersion, verbose_name=_("纳入的清单版本"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="proposals")  # fmt: skip
    item_code = models.CharField(_("纳入的事项编码"), max_length=12, blank=True)
    carried_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("纳入人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # fmt: skip
    carried_at = models.DateTimeField(_("纳入时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # The municipal center sees every proposal; a district its own; a bank those it made or took part in.
    SCOPE = {"district": ("agency_id", "agency_id"), "bank": ("bank_id", "bank_id")}

    class Meta:
        verbose_name = _("服务事项建议")
        verbose_name_plural = _("服务事项建议")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="proposal_status_submitted_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(agency__isnull=False) | Q(bank__isnull=False),
                                   name="proposal_has_a_proposer"),
            models.CheckConstraint(condition=Q(expected_volume__gte=1), name="proposal_expected_volume_positive"),
            models.CheckConstraint(condition=Q(channels__in=CHANNEL_SETS), name="proposal_channels_valid"),
            # Maker–checker in the database: the decider is neither the first reviewer nor the proposer.
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | (~Q(decided_by=F("reviewed_by"))
                                   & ~Q(decided_by=F("proposed_by"))), name="proposal_decider_is_not_maker"),
            models.CheckConstraint(condition=~Q(status__in=["carried", "published"])
                                   | (Q(version__isnull=False) & ~Q(item_code="")), name="proposal_carried_names_item"),
            models.UniqueConstraint(fields=["consultation_action"], condition=Q(consultation_action__isnull=False),
                                    name="proposal_one_per_consultation_action"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def proposer_name(self) -> str:
        """The proposing organisation; a consultation's proposal names both its parties."""
        return "、".join(str(x) for x in (self.agency, self.bank) if x is not None)

    @property
    def channel_list(self) -> list[Channel]:
        return [Channel(c) for c in self.channels]


class ProposalEvent(models.Model):
    """One step of a proposal, with who took it and why (returns and rejections are kept, never deleted)."""

    proposal = models.ForeignKey(ServiceProposal, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("环节"), max_length=12)
    status = models.CharField(_("办理后状态"), max_length=12, choices=ProposalStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True,
                           on_delete=models.PROTECT, related_name="+")  # fmt: skip
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    note = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("建议办理记录")
        verbose_name_plural = _("建议办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.action}"
