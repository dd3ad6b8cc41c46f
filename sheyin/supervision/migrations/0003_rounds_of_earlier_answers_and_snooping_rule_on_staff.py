"""Data: each rectification already answered gets its first round (its evidence attached to it); the
data-analysis rule "snooping" now reads staff look-ups, under its new name and defaults."""

from django.db import migrations

SNOOPING_NAME = "疑似窥探个人信息"
SNOOPING_DESCRIPTION = (
    "经办人员查询参保人员信息，前后1日内本网点没有该人员的业务（已取消的不算）。群众在自助终端查询本人记录不在此列。"
)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Rectification = apps.get_model("supervision", "Rectification")
    Round = apps.get_model("supervision", "RectificationRound")
    Evidence = apps.get_model("supervision", "RectificationEvidence")
    for r in Rectification.objects.exclude(answer="").filter(answered_at__isnull=False):
        if Round.objects.filter(rectification=r).exists():
            continue
        decision = {"closed": "accepted"}.get(r.status, "returned" if r.status == "ordered" else "")
        rnd = Round.objects.create(
            rectification=r, number=1, answer=r.answer, answered_by_id=r.answered_by_id, answered_at=r.answered_at,
            due_date=r.due_date, decision=decision, verify_note=r.verify_note if decision else "",
            verified_by_id=r.verified_by_id if decision else None, verified_at=r.verified_at if decision else None,
        )
        if decision == "returned" and not rnd.verify_note:
            rnd.verify_note = "退回继续整改"
            rnd.save(update_fields=["verify_note"])
        Evidence.objects.filter(rectification=r, round__isnull=True).update(round=rnd)
    Rule = apps.get_model("supervision", "AnalysisRule")
    for rule in Rule.objects.filter(code="snooping"):
        params = dict(rule.params or {})
        if params.get("min_count", 1) == 1:  # the old default: one query was enough
            params["min_count"] = 2
        params.setdefault("high_count", 10)
        rule.name, rule.description, rule.params = SNOOPING_NAME, SNOOPING_DESCRIPTION, params
        rule.save(update_fields=["name", "description", "params"])


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_fair_appraisal_talks_and_rectification_rounds")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
