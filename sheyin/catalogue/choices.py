"""Vocabulary of the service catalogue shared by staffing (grant scope) and casework (R5.1, R2.1–R2.3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    TERMINAL = "T", _("自助终端")
    ONLINE = "O", _("网厅自助")
    COUNTER = "W", _("人工窗口")


class Category(models.TextChoices):
    QUERY = "query", _("查询打印")
    REGISTRATION = "registration", _("参保登记")
    BENEFITS = "benefits", _("待遇业务")
    CARD = "card", _("社保卡业务")


class Audience(models.TextChoices):
    INDIVIDUAL = "individual", _("个人")
    EMPLOYER = "employer", _("单位")
    BOTH = "both", _("个人和单位")


class Risk(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
