"""The institutions registry: the municipal center, district agencies, banks, branches and outlets."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sheyin.common.models import TimeStampedModel


class Agency(TimeStampedModel):
    """市级/区级社保经办机构. District rows carry the layout parameters the municipal center edits (R8.4)."""

    class Level(models.TextChoices):
        MUNICIPAL = "municipal", _("市级")
        DISTRICT = "district", _("区级")

    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    code = models.CharField(_("行政区划代码"), max_length=6, unique=True, help_text=_("GB/T 2260 六位代码"))
    name = models.CharField(_("机构名称"), max_length=100, unique=True)
    district_name = models.CharField(_("辖区"), max_length=20, blank=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    population = models.PositiveIntegerField(_("常住人口（2020年普查）"), default=0)
    area_km2 = models.FloatField(_("面积（平方公里）"), default=0)
    min_outlet_distance_m = models.PositiveIntegerField(_("网点最小间距（米）"), default=3000)
    min_office_distance_m = models.PositiveIntegerField(_("距经办机构最小距离（米）"), default=3000)
    coverage_radius_m = models.PositiveIntegerField(_("服务覆盖半径（米）"), default=5000)

    # Reference data: every role may read the agencies (addresses of SI offices are public).
    SCOPE = {"district": "*", "bank": "*", "outlet": "*", "self": "*"}

    class Meta:
        verbose_name = _("社保经办机构")
        verbose_name_plural = _("社保经办机构")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="municipal") | ~Q(district_name=""),
                name="district_agency_has_district_name",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Bank(TimeStampedModel):
    """合作银行 (its Beijing branch or head office)."""

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("未合作")
        ACTIVE = "active", _("合作中")
        SUSPENDED = "suspended", _("暂停")
        ENDED = "ended", _("已终止")

    name = models.CharField(_("银行名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=20, unique=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    uscc_override_reason = models.CharField(
        _("校验例外说明"), max_length=200, blank=True, help_text=_("真实代码未通过校验时填写，需记录原因")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    status = models.CharField(_("合作状态"), max_length=10, choices=Status.choices, default=Status.PROSPECT)

    SCOPE = {
        "district": "*",
        "bank": ("pk", "bank_id"),
        "outlet": ("pk", "bank_id"),
        "self": ("pk", "bank_id"),
    }

    class Meta:
        verbose_name = _("合作银行")
        verbose_name_plural = _("合作银行")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Branch(TimeStampedModel):
    """A bank branch in Beijing (支行). It may become a cooperation outlet, or be a candidate site."""

    bank = models.ForeignKey(Bank, verbose_name=_("银行"), on_delete=models.PROTECT, related_name="branches")
    name = models.CharField(_("支行名称"), max_length=100)
    district = models.ForeignKey(
        Agency, verbose_name=_("所在区"), on_delete=models.PROTECT, related_name="branches"
    )
    address = models.CharField(_("地址"), max_length=200)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))

    SCOPE = {"district": ("district_id", "agency_id"), "bank": ("bank_id", "bank_id")}

    class Meta:
        verbose_name = _("银行网点")
        verbose_name_plural = _("银行网点")
        ordering = ["bank__name", "name"]
        constraints = [models.UniqueConstraint(fields=["bank", "name"], name="branch_unique_name_per_bank")]

    def __str__(self) -> str:
        return f"{self.bank.short_name} {self.name}"


class OutletStatus(models.TextChoices):
    APPLYING = "applying", _("申请中")
    ACCEPTED = "accepted", _("已验收")
    OPERATING = "operating", _("运营中")
    SUSPENDED = "suspended", _("暂停服务")
    TERMINATED = "terminated", _("已终止")


class Outlet(TimeStampedModel):
    """合作网点: a bank outlet entrusted with SI services in all three modes (R2.1–R2.3, R3.1)."""

    bank = models.ForeignKey(Bank, verbose_name=_("银行"), on_delete=models.PROTECT, related_name="outlets")
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("所属银行网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outlets",
    )
    code = models.CharField(_("网点编号"), max_length=20, unique=True)
    name = models.CharField(_("网点名称"), max_length=100)
    district = models.ForeignKey(
        Agency, verbose_name=_("所在区"), on_delete=models.PROTECT, related_name="outlets"
    )
    address = models.CharField(_("地址"), max_length=200)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    opening_hours = models.CharField(_("营业时间"), max_length=100, default="周一至周五 9:00-17:00")
    phone = models.CharField(_("咨询电话"), max_length=30, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("营业面积（平方米）"), default=0)
    windows = models.PositiveSmallIntegerField(_("人工窗口数"), default=1)
    terminals = models.PositiveSmallIntegerField(_("自助终端数"), default=1)
    online_counters = models.PositiveSmallIntegerField(_("网厅自助区数"), default=1)
    document_cameras = models.PositiveSmallIntegerField(_("高拍仪数"), default=2)
    card_machines = models.PositiveSmallIntegerField(_("制卡机数"), default=1)
    status = models.CharField(
        _("状态"), max_length=12, choices=OutletStatus.choices, default=OutletStatus.APPLYING
    )

    SCOPE = {
        "district": ("district_id", "agency_id"),
        "bank": ("bank_id", "bank_id"),
        "outlet": ("pk", "outlet_id"),
        "self": ("pk", "outlet_id"),
    }

    class Meta:
        verbose_name = _("合作网点")
        verbose_name_plural = _("合作网点")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "name"], name="outlet_unique_name_per_bank"),
            models.CheckConstraint(condition=Q(windows__gte=1, windows__lte=2), name="outlet_windows_1_to_2"),
            models.CheckConstraint(
                condition=Q(lon__gte=115.3, lon__lte=117.6, lat__gte=39.3, lat__lte=41.2),
                name="outlet_in_beijing_box",
            ),
        ]
        indexes = [models.Index(fields=["district", "status"], name="outlet_district_status_idx")]

    def __str__(self) -> str:
        return self.name


class HolidaySchedule(models.Model):
    """A year's official holiday schedule (国务院办公厅放假安排), published by the municipal center."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Monday–Friday rule: a holiday on a weekday, or a make-up working day (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("日历例外日")
        verbose_name_plural = _("日历例外日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"
