from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PublicNotice(models.Model):
    """A public notice (公示/公告) of the municipal center: new outlets, terminations, catalogue versions.

    Public text only: never personal data. Published notices are never edited; a correction is a new notice.
    """

    class Kind(models.TextChoices):
        OUTLET_OPENED = "outlet_opened", _("新设网点")
        OUTLET_TERMINATED = "outlet_terminated", _("网点终止")
        CATALOGUE = "catalogue", _("服务事项清单")
        POLICY = "policy", _("政策公告")
        RATING = "rating", _("好差评处理结果")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now, db_index=True)
    object_type = models.CharField(_("关联对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("关联对象编号"), max_length=64, blank=True)

    SCOPE = {lv: "*" for lv in ("district", "bank", "outlet", "self")}  # public

    class Meta:
        verbose_name = _("公示公告")
        verbose_name_plural = _("公示公告")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title
