"""Default checklists: the on-site inspection (Annex 1 construction standard, Annex 13) and the banks'
internal-control self-inspection (R7.4). Items are stored by their text in each record's `results`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INSPECTION_ITEMS = [
    _("门口悬挂“社保服务合作网点”标牌，公示服务清单"),
    _("窗口标识清晰，设有导办、等候、自助、政策宣传区域"),
    _("经办人员持证上岗，在岗人员与备案一致"),
    _("自助终端、读卡器、高拍仪等设备运行正常"),
    _("专网连接正常，业务系统可用"),
    _("按营业时间对外服务，无无故停办"),
    _("业务档案按规定留存、按时移交"),
    _("个人信息保护：材料不外泄，屏幕与打印件妥善管理"),
    _("好差评评价器或二维码可正常使用"),
    _("服务态度良好，一次性告知办理要求"),
]

SELF_INSPECTION_ITEMS = [
    _("合作网点管理制度健全并落实"),
    _("经办人员培训、考试与授权管理规范"),
    _("系统账号与权限按人分配，离岗及时注销"),
    _("个人信息查询、打印有业务依据并留痕"),
    _("业务材料与档案按规定留存、移交"),
    _("设备与专网安全管理措施到位"),
    _("问题工单与整改通知按期处理"),
    _("应急预案与安全培训按计划开展"),
]


def stored_text(item: object) -> str:
    """The Chinese text a record keeps, whatever the language of the page that saved it: a filled
    checklist is a record of authority and must read the same for everyone."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(item)
