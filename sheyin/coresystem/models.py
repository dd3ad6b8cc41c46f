"""The simulated SI core's own tables (design.md, "The simulated SI core").

The real core is outside this project; these tables stand in for it so every feature works end to end.
Only `sheyin.coresystem.local.LocalCore` reads or writes them; the rest of the code goes through the
adapter (`sheyin.coresystem.adapter.get_core()`), so pointing at the real system changes one setting.

Money is stored in fen (integer hundredths of a yuan): exact, compact, and fast to sum. A contribution
month is one WIDE row per person and month carrying the four insurances' base, employer part and personal
part (maternity is merged into medical), because a rights record reads hundreds of months at once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sheyin.common.crypto import EncryptedField, register_encrypted


class Employer(models.Model):
    """参保单位. `slot` is the stable position generated histories refer to."""

    slot = models.PositiveIntegerField(_("序号"), unique=True)
    name = models.CharField(_("单位名称"), max_length=100)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    district_code = models.CharField(_("所在区代码"), max_length=6)
    industry_class = models.PositiveSmallIntegerField(_("工伤行业类别"), default=1)
    # Work-injury rate in hundredths of a percent (0.2 % = 20): by industry class, employer only.
    injury_rate_bp = models.PositiveSmallIntegerField(_("工伤费率（万分之）"), default=20)

    class Meta:
        verbose_name = _("参保单位")
        verbose_name_plural = _("参保单位")
        ordering = ["slot"]

    def __str__(self) -> str:
        return self.name


class InsuredPerson(models.Model):
    """参保人员. The ID number is stored only encrypted (SM4-GCM) with an HMAC-SM3 blind index to find it;
    the social security card number is stored but never used as a key (it changes on re-issue)."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    name = models.CharField(_("姓名"), max_length=30)
    id_number_enc = models.TextField(_("身份证号码（密文）"))
    id_index = models.CharField(_("身份证号码索引"), max_length=64, unique=True)
    id_masked = models.CharField(_("身份证号码（脱敏）"), max_length=18)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    card_number = models.CharField(_("社会保障卡卡号"), max_length=20, blank=True)
    phone_enc = models.TextField(_("手机号（密文）"), blank=True)
    hukou_code = models.CharField(_("户籍地区代码"), max_length=6)
    # Seed of the person's generated history; histories not stored at seeding are generated from it
    # on first access and then stored (docs/decisions/0007-rights-record-rendering.md).
    seed = models.BigIntegerField(_("生成种子"), default=0)
    history_ready = models.BooleanField(_("缴费记录已生成"), default=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("参保人员")
        verbose_name_plural = _("参保人员")

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"


class ContributionMonth(models.Model):
    """One person's contributions for one month (wide row; amounts in fen)."""

    class Kind(models.TextChoices):
        EMPLOYEE = "E", _("单位职工")
        FLEXIBLE = "F", _("灵活就业")

    person = models.ForeignKey(
        InsuredPerson, verbose_name=_("参保人员"), on_delete=models.CASCADE, related_name="months"
    )
    month = models.DateField(_("费款所属期"), help_text=_("该月第一天"))
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("参保单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("参保身份"), max_length=1, choices=Kind.choices, default=Kind.EMPLOYEE)
    pension_base = models.PositiveIntegerField(_("养老缴费基数"), default=0)
    pension_er = models.PositiveIntegerField(_("养老单位缴纳"), default=0)
    pension_ee = models.PositiveIntegerField(_("养老个人缴纳"), default=0)
    unemployment_base = models.PositiveIntegerField(_("失业缴费基数"), default=0)
    unemployment_er = models.PositiveIntegerField(_("失业单位缴纳"), default=0)
    unemployment_ee = models.PositiveIntegerField(_("失业个人缴纳"), default=0)
    injury_base = models.PositiveIntegerField(_("工伤缴费基数"), default=0)
    injury_er = models.PositiveIntegerField(_("工伤单位缴纳"), default=0)
    medical_base = models.PositiveIntegerField(_("医疗缴费基数"), default=0)
    medical_er = models.PositiveIntegerField(_("医疗单位缴纳"), default=0)
    medical_ee = models.PositiveIntegerField(_("医疗个人缴纳"), default=0)
    # The part of the pension contribution credited to the personal account (8 % of the base).
    pension_account = models.PositiveIntegerField(_("计入个人账户"), default=0)

    class Meta:
        verbose_name = _("月度缴费记录")
        verbose_name_plural = _("月度缴费记录")
        ordering = ["person", "month"]
        constraints = [
            # Also the index that serves "this person's months in order".
            models.UniqueConstraint(fields=["person", "month"], name="core_one_row_per_person_month"),
            models.CheckConstraint(
                condition=Q(kind="F") | Q(employer__isnull=False), name="core_employee_month_has_employer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m}"


class BenefitPayment(models.Model):
    """A benefit paid to the person (pension, unemployment benefit), by month; amount in fen."""

    class Kind(models.TextChoices):
        PENSION = "pension", _("基本养老金")
        UNEMPLOYMENT = "unemployment", _("失业保险金")

    person = models.ForeignKey(
        InsuredPerson, verbose_name=_("参保人员"), on_delete=models.CASCADE, related_name="benefits"
    )
    month = models.DateField(_("发放月份"))
    kind = models.CharField(_("待遇类型"), max_length=12, choices=Kind.choices)
    amount = models.PositiveIntegerField(_("金额（分）"))

    class Meta:
        verbose_name = _("待遇发放记录")
        verbose_name_plural = _("待遇发放记录")
        ordering = ["person", "month"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month", "kind"], name="core_one_benefit_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m} {self.kind}"


class CoreCase(models.Model):
    """A case as the core received it from an outlet (its own number and result)."""

    class Result(models.TextChoices):
        COMPLETED = "completed", _("已办结")
        REJECTED = "rejected", _("不予受理")

    reference = models.CharField(_("核心系统业务号"), max_length=24, unique=True)
    item_code = models.CharField(_("事项编码"), max_length=12)
    item_name = models.CharField(_("事项名称"), max_length=60)
    person = models.ForeignKey(
        InsuredPerson,
        verbose_name=_("参保人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outlet_code = models.CharField(_("受理网点编号"), max_length=20)
    operator = models.CharField(_("经办人账号"), max_length=150)
    received_at = models.DateTimeField(_("接收时间"))
    result = models.CharField(_("办理结果"), max_length=10, choices=Result.choices)
    message = models.CharField(_("结果说明"), max_length=200, blank=True)
    payload = models.JSONField(_("业务数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("核心系统业务")
        verbose_name_plural = _("核心系统业务")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.reference


# Encrypted columns: checked against the keys at start and re-encrypted by `rotate_keys` (common.crypto).
register_encrypted(
    EncryptedField("coresystem.InsuredPerson", "id_number_enc", index="id_index"),
    EncryptedField("coresystem.InsuredPerson", "phone_enc"),
)
