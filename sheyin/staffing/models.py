"""Outlet staff: roster, training (Annex 6), exams, confidentiality agreements (Annex 7), permission grants.

R9.1: staff get permissions only after passing the district's training and assessment, and start work only
after signing the confidentiality agreement. R2.0: they use the system only with their own account and only
after a grant. R6.4: grants end when the outlet is suspended or terminated.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.scope import EVERY_PARTY
from sheyin.catalogue.choices import Category, Channel
from sheyin.common.crypto import EncryptedField, register_encrypted
from sheyin.common.models import TimeStampedModel

from .workflow import (
    AttemptStatus,
    EnrolmentStatus,
    GrantStatus,
    Post,
    RevokeReason,
    SessionStatus,
    StaffStatus,
    TransferStatus,
)

STAFF_SCOPE = {
    "district": ("district_id", "agency_id"),
    "bank": ("bank_id", "bank_id"),
    "outlet": ("outlet_id", "outlet_id"),
    "self": ("user_id", "user_id"),
}


def _through_staff(prefix: str = "staff__") -> dict[str, tuple[str, str]]:
    return {level: (prefix + lookup, attr) for level, (lookup, attr) in STAFF_SCOPE.items()}


class StaffingSettings(models.Model):
    """The editable rules of training, exams, agreements and grants (domain.md, Annex 6 defaults).

    One row for the whole city (pk=1); district and municipal admins edit it, every change audited."""

    training_hours_required = models.PositiveSmallIntegerField(
        _("上岗培训学时要求"), default=16, help_text=_("授权前须完成的培训学时（附件6默认16学时）")
    )
    training_window_days = models.PositiveIntegerField(
        _("培训学时计算周期（天）"), default=730, help_text=_("只计算此期间内完成的学时，到期复训时重新累计")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("考试合格分数"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    exam_validity_days = models.PositiveIntegerField(_("考试合格有效期（天）"), default=730)
    max_attempts = models.PositiveSmallIntegerField(
        _("周期内最多考试次数"), default=3, validators=[MinValueValidator(1)]
    )
    attempt_window_days = models.PositiveSmallIntegerField(
        _("补考限制周期（天）"), default=30, validators=[MinValueValidator(1)]
    )
    agreement_validity_days = models.PositiveIntegerField(_("保密协议有效期（天）"), default=730)
    grant_validity_days = models.PositiveIntegerField(
        _("权限有效期（天）"), default=730, help_text=_("默认2年，到期须重新认证")
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("到期提醒提前天数"), default=30, help_text=_("权限、考试合格、保密协议到期前多少天提醒")
    )
    education_period_months = models.PositiveSmallIntegerField(
        _("保密和安全教育周期（月）"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_("经办人员每个周期内须接受一次保密和安全教育，逾期未接受的业务权限自动失效"),
    )
    education_reminder_days = models.PositiveSmallIntegerField(
        _("保密和安全教育提前提醒天数"), default=30, help_text=_("教育到期前多少天提醒网点和区级经办机构")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE = EVERY_PARTY  # rules every party may read

    class Meta:
        verbose_name = _("经办人员管理参数")
        verbose_name_plural = _("经办人员管理参数")

    def __str__(self) -> str:
        return str(_("经办人员管理参数"))

    @classmethod
    def current(cls) -> StaffingSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class StaffMember(TimeStampedModel):
    """One person on an outlet's roster (合作网点经办人员). The ID number is encrypted (SM4) with a blind
    index, the phone number encrypted; the masked forms are kept for lists so that no list decrypts anything."""

    outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("所在网点"), on_delete=models.PROTECT, related_name="staff"
    )
    # Denormalised from the outlet so every scope filter is a plain column comparison.
    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "institutions.Agency", verbose_name=_("所在区"), on_delete=models.PROTECT, related_name="+"
    )
    employee_no = models.CharField(_("银行员工编号"), max_length=30)
    name = models.CharField(_("姓名"), max_length=50)
    id_number_enc = models.TextField(_("身份证号（密文）"))
    id_number_index = models.CharField(_("身份证号索引"), max_length=64, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18)
    # The phone number too is personal data at rest: encrypted (SM4), only its mask is ever shown.
    phone_enc = models.TextField(_("手机号（密文）"), blank=True)
    phone_masked = models.CharField(_("手机号"), max_length=11, blank=True)
    post = models.CharField(_("岗位"), max_length=10, choices=Post.choices, default=Post.WINDOW)
    status = models.CharField(
        _("状态"), max_length=10, choices=StaffStatus.choices, default=StaffStatus.ACTIVE
    )
    # R2.0: the staff member's own account, one account per person.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人系统账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
    )
    left_on = models.DateField(_("离职日期"), null=True, blank=True)

    SCOPE = STAFF_SCOPE

    class Meta:
        verbose_name = _("经办人员")
        verbose_name_plural = _("经办人员")
        ordering = ["outlet__code", "name"]
        constraints = [
            # One person is on the roster of one outlet at a time (the blind index of the ID number).
            models.UniqueConstraint(
                fields=["id_number_index"], condition=~Q(status="left"), name="staff_one_roster_per_person"
            ),
            models.UniqueConstraint(
                fields=["bank", "employee_no"], condition=~Q(status="left"), name="staff_unique_employee_no"
            ),
        ]
        indexes = [models.Index(fields=["outlet", "status"], name="staff_outlet_status_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"


class StaffEvent(models.Model):
    """The staff member's history as people read it (joined, trained, passed, signed, granted, revoked…).
    The audit trail holds the same facts for auditors; this is the readable view for the roster."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("花名册")
        TRAINING = "training", _("培训")
        EXAM = "exam", _("考试")
        AGREEMENT = "agreement", _("保密协议")
        GRANT = "grant", _("权限")
        REVOCATION = "revocation", _("权限撤销")
        TRANSFER = "transfer", _("调动")

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("经办人员"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    text = models.CharField(_("内容"), max_length=300)
    by_name = models.CharField(_("操作人"), max_length=150, blank=True)

    SCOPE = _through_staff()

    class Meta:
        verbose_name = _("经办人员履历")
        verbose_name_plural = _("经办人员履历")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.text


class Transfer(TimeStampedModel):
    """A move between two outlets of the same bank: proposed by one side, accepted by the other."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("经办人员"), on_delete=models.PROTECT, related_name="transfers"
    )
    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="+"
    )
    from_outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("调出网点"), on_delete=models.PROTECT, related_name="+"
    )
    to_outlet = models.ForeignKey(
        "institutions.Outlet", verbose_name=_("调入网点"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PROPOSED
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=300, blank=True)

    # The selector adds the receiving side (to_outlet) to these, so both ends of the handshake see it.
    SCOPE = {
        "district": ("from_outlet__district_id", "agency_id"),
        "bank": ("bank_id", "bank_id"),
        "outlet": ("from_outlet_id", "outlet_id"),
        "self": ("staff__user_id", "user_id"),
    }

    class Meta:
        verbose_name = _("人员调动")
        verbose_name_plural = _("人员调动")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"], condition=Q(status="proposed"), name="transfer_one_open"
            ),
            models.CheckConstraint(
                condition=~Q(from_outlet=models.F("to_outlet")), name="transfer_two_outlets"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name}: {self.from_outlet} → {self.to_outlet}"


class Course(TimeStampedModel):
    """A training course (Annex 6): centralised, on-the-job (顶岗) or at-the-counter (临柜). A course of a
    district is organised by that district; a course without district is the municipal center's."""

    class Kind(models.TextChoices):
        CENTRALISED = "centralised", _("集中培训")
        ON_THE_JOB = "on_the_job", _("顶岗培训")
        AT_COUNTER = "at_counter", _("临柜指导")

    code = models.CharField(_("课程编号"), max_length=20, unique=True)
    title = models.CharField(_("课程名称"), max_length=100)
    kind = models.CharField(_("培训方式"), max_length=12, choices=Kind.choices)
    district = models.ForeignKey(
        "institutions.Agency",
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示市级统一课程"),
    )
    description = models.TextField(_("课程内容"), blank=True)
    exam_question_count = models.PositiveSmallIntegerField(
        _("每次考试抽题数"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    exam_minutes = models.PositiveSmallIntegerField(
        _("考试时限（分钟）"), default=30, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    has_exam = models.BooleanField(_("设置考试"), default=True)
    certifies = models.BooleanField(
        _("上岗考核课程"),
        default=True,
        help_text=_("该课程考试合格可作为业务授权条件；专项测试等不计入"),
    )
    active = models.BooleanField(_("启用"), default=True)

    # Course titles are not personal data: every business role may read them.
    SCOPE = EVERY_PARTY

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class TrainingSession(TimeStampedModel):
    """One run of a course: dates, place or video link, capacity, hours credited to those who attend."""

    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="sessions"
    )
    district = models.ForeignKey(
        "institutions.Agency", verbose_name=_("组织区"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    video_link = models.URLField(_("视频会议链接"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("名额"), default=30, validators=[MinValueValidator(1)])
    hours = models.DecimalField(
        _("学时"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )

    SCOPE = {
        "district": ("district_id", "agency_id"),
        "bank": "*",
        "outlet": ("district_id", "agency_id"),
        "self": ("district_id", "agency_id"),
    }

    class Meta:
        verbose_name = _("培训班次")
        verbose_name_plural = _("培训班次")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} {timezone.localtime(self.starts_at):%Y-%m-%d}"


class Enrolment(TimeStampedModel):
    session = models.ForeignKey(
        TrainingSession, verbose_name=_("培训班次"), on_delete=models.PROTECT, related_name="enrolments"
    )
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("经办人员"), on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    hours_earned = models.DecimalField(_("获得学时"), max_digits=4, decimal_places=1, default=Decimal("0"))
    attended_on = models.DateField(_("参训日期"), null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报名人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    SCOPE = _through_staff()

    class Meta:
        verbose_name = _("培训报名")
        verbose_name_plural = _("培训报名")
        ordering = ["session__starts_at", "staff__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "staff"],
                condition=~Q(status="cancelled"),
                name="enrolment_once_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} · {self.session}"


class Question(TimeStampedModel):
    """A question of a course's bank. `answer` lists the indices of the right options.

    Scoring (documented rule): single choice and true/false earn full marks iff the one right option is
    chosen; multiple choice earns full marks iff exactly the right set is chosen (no partial credit)."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("单选题")
        MULTIPLE = "multiple", _("多选题")
        TRUE_FALSE = "true_false", _("判断题")

    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="questions"
    )
    kind = models.CharField(_("题型"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list)
    answer = models.JSONField(_("正确答案"), default=list)
    explanation = models.TextField(_("解析"), blank=True)
    active = models.BooleanField(_("启用"), default=True)

    # Exam content: never readable by outlets or banks (deny by default for those levels).
    SCOPE = {"district": ("course__district_id", "agency_id")}

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["course", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    def answer_letters(self) -> str:
        return "".join("ABCDEFGH"[i] for i in sorted(self.answer) if 0 <= i < 8)


def _evidence_path(instance: ExamAttempt, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"staffing/exam-evidence/{timezone.localdate():%Y/%m}/{instance.staff_id}-{timezone.now():%H%M%S%f}.{ext}"


class ExamAttempt(TimeStampedModel):
    """One sitting of a course's exam: online (random draw, server-side deadline) or an offline score
    entered with evidence. A passed attempt is valid until `valid_until` and has a certificate."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("在线考试")
        OFFLINE = "offline", _("线下考试")

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("经办人员"), on_delete=models.PROTECT, related_name="attempts"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="attempts"
    )
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    status = models.CharField(
        _("状态"), max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    deadline = models.DateTimeField(_("截止时间"))
    finished_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=2, null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("合格线"), default=80)
    passed = models.BooleanField(_("合格"), default=False)
    valid_until = models.DateField(_("合格有效期至"), null=True, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=30, blank=True)
    verify_code = models.CharField(_("核验码"), max_length=32, blank=True, db_index=True)
    evidence = models.FileField(_("成绩证明"), upload_to=_evidence_path, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)

    SCOPE = _through_staff()

    class Meta:
        verbose_name = _("考试记录")
        verbose_name_plural = _("考试记录")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"], condition=Q(status="in_progress"), name="attempt_one_in_progress"
            ),
            models.CheckConstraint(
                condition=Q(passed=False) | Q(valid_until__isnull=False), name="attempt_passed_has_validity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} · {self.course.title} · {timezone.localtime(self.started_at):%Y-%m-%d}"

    @property
    def is_valid_pass(self) -> bool:
        return self.passed and self.valid_until is not None and self.valid_until >= timezone.localdate()

    def seconds_left(self, now: dt.datetime | None = None) -> int:
        return max(0, int((self.deadline - (now or timezone.now())).total_seconds()))


class AttemptAnswer(models.Model):
    """A drawn question of an attempt, in order, with the option indices the candidate chose and when."""

    attempt = models.ForeignKey(ExamAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    chosen = models.JSONField(default=list)
    answered_at = models.DateTimeField(null=True, blank=True)
    correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="answer_once_per_question"),
            models.UniqueConstraint(fields=["attempt", "position"], name="answer_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"


class AgreementTemplate(models.Model):
    """The confidentiality agreement text (Annex 7). Editing makes a new version; signed agreements keep
    the text they were signed on."""

    version = models.PositiveIntegerField(_("版本号"), unique=True)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"), help_text=_("每段一行；签署页和PDF按段落显示"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修订人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    SCOPE = EVERY_PARTY

    class Meta:
        verbose_name = _("保密协议模板")
        verbose_name_plural = _("保密协议模板")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title}（v{self.version}）"


def _agreement_path(instance: ConfidentialityAgreement, filename: str) -> str:
    return (
        f"staffing/agreements/{timezone.localdate():%Y/%m}/{instance.staff_id}-{timezone.now():%H%M%S%f}.pdf"
    )


class ConfidentialityAgreement(models.Model):
    """A confidentiality agreement signed by the staff member in the system (R9.1, R9.3)."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("经办人员"), on_delete=models.PROTECT, related_name="agreements"
    )
    template = models.ForeignKey(
        AgreementTemplate, verbose_name=_("协议模板"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("签署文本"))
    signed_name = models.CharField(_("签署姓名"), max_length=50)
    consent = models.BooleanField(_("已阅读并同意"))
    signed_at = models.DateTimeField(_("签署时间"))
    client_address = models.CharField(_("签署地址"), max_length=45, blank=True)
    valid_until = models.DateField(_("有效期至"))
    pdf = models.FileField(_("签署文件"), upload_to=_agreement_path, blank=True)
    pdf_sm3 = models.CharField(_("文件摘要（SM3）"), max_length=64, blank=True)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)

    SCOPE = _through_staff()

    class Meta:
        verbose_name = _("保密协议")
        verbose_name_plural = _("保密协议")
        ordering = ["-signed_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(consent=True), name="agreement_requires_consent")]

    def __str__(self) -> str:
        return f"{self.staff.name} · {timezone.localtime(self.signed_at):%Y-%m-%d}"

    @property
    def is_valid(self) -> bool:
        return self.valid_until >= timezone.localdate()


class SecurityEducation(models.Model):
    """保密和安全教育: one session a staff member attended (R7.3, R9.3), recorded by the outlet or the
    district. A grant lapses when its holder has had none within the period (StaffingSettings)."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("经办人员"), on_delete=models.PROTECT, related_name="educations"
    )
    held_on = models.DateField(_("教育日期"))
    valid_until = models.DateField(_("有效期至"))
    topic = models.CharField(_("教育内容"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    SCOPE = _through_staff()

    class Meta:
        verbose_name = _("保密和安全教育")
        verbose_name_plural = _("保密和安全教育")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["staff", "valid_until"], name="education_staff_valid_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("held_on")), name="education_valid_after_held"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} · {self.held_on:%Y-%m-%d}"


def _codes(values: list[str] | None) -> str:
    return ",".join(sorted(set(values or [])))


class PermissionGrant(TimeStampedModel):
    """Authority to handle SI business at one outlet, on some channels and catalogue categories (R2.0, R9.1).

    Channels and categories are stored as sorted comma-separated codes so that "contains" filters work
    the same on SQLite and PostgreSQL (e.g. channels__contains="W")."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("经办人员"), on_delete=models.PROTECT, related_name="grants"
    )
    outlet = models.ForeignKey(
        "institutions.Outlet",
        verbose_name=_("授权网点"),
        on_delete=models.PROTECT,
        related_name="staff_grants",
    )
    bank = models.ForeignKey(
        "institutions.Bank", verbose_name=_("银行"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "institutions.Agency", verbose_name=_("所在区"), on_delete=models.PROTECT, related_name="+"
    )
    channels = models.CharField(_("办理渠道"), max_length=10)
    categories = models.CharField(_("业务类别"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.PROPOSED
    )
    proposal_note = models.CharField(_("申请说明"), max_length=300, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    revoke_reason = models.CharField(_("撤销原因"), max_length=20, choices=RevokeReason.choices, blank=True)
    revoke_note = models.CharField(_("撤销说明"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    # The education due date (R7.3) a reminder was sent for: once per due date.
    education_reminded_on = models.DateField(_("教育到期提醒日期"), null=True, blank=True)

    SCOPE = {
        "district": ("district_id", "agency_id"),
        "bank": ("bank_id", "bank_id"),
        "outlet": ("outlet_id", "outlet_id"),
        "self": ("staff__user_id", "user_id"),
    }

    class Meta:
        verbose_name = _("业务权限")
        verbose_name_plural = _("业务权限")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["staff"], condition=Q(status="active"), name="grant_one_active"),
            models.UniqueConstraint(
                fields=["staff"], condition=Q(status="proposed"), name="grant_one_proposed"
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(valid_from__isnull=False, valid_until__isnull=False),
                name="grant_active_has_dates",
            ),
            models.CheckConstraint(condition=~Q(channels=""), name="grant_has_channel"),
            models.CheckConstraint(condition=~Q(categories=""), name="grant_has_category"),
        ]
        indexes = [
            models.Index(fields=["outlet", "status"], name="grant_outlet_status_idx"),
            # The list's newest-first page (read backwards) without sorting every grant.
            models.Index(fields=["created_at", "id"], name="grant_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} · {self.outlet}"

    @property
    def channel_list(self) -> list[str]:
        return [c for c in self.channels.split(",") if c]

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]

    def channel_labels(self) -> str:
        return gettext("、").join(str(Channel(c).label) for c in self.channel_list if c in Channel.values)

    def category_labels(self) -> str:
        return gettext("、").join(str(Category(c).label) for c in self.category_list if c in Category.values)

    def is_current(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.status == GrantStatus.ACTIVE
            and self.valid_from is not None
            and self.valid_until is not None
            and self.valid_from <= on <= self.valid_until
        )


codes = _codes


# Encrypted columns: checked against the keys at start and re-encrypted by `rotate_keys` (common.crypto).
register_encrypted(
    EncryptedField("staffing.StaffMember", "id_number_enc", index="id_number_index"),
    EncryptedField("staffing.StaffMember", "phone_enc"),
)
