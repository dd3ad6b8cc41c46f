"""Archives and their handover (R9.2, Annex 10): batches within 5 working days, item-by-item confirmation,
discrepancies, overdue alerts and the chain of custody."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework import services
from sheyin.casework.models import ArchiveRecord, CustodyEvent
from sheyin.casework.workflow import ArchiveStatus, BatchStatus, TransitionError
from sheyin.institutions.tests.factories import district
from sheyin.notifications.models import Notification

from .factories import completed, world

pytestmark = pytest.mark.django_db


def two_records(w):  # type: ignore[no-untyped-def]
    completed(w)
    completed(w)
    return list(ArchiveRecord.objects.order_by("pk"))


def test_a_batch_is_sent_confirmed_item_by_item_and_closes(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    a, b = two_records(w)
    batch = services.handover_create(records=[a, b], by=w.manager)
    assert batch.due_date == min(a.due_date, b.due_date)
    services.handover_send(batch=batch, by=w.manager)
    assert Notification.objects.filter(user=w.officer, title__contains=batch.number).exists()
    services.archive_confirm(record_=a, by=w.officer)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SENT  # one still to answer
    services.archive_flag(record_=b, note="缺少身份证复印件", by=w.officer)
    batch.refresh_from_db()
    b.refresh_from_db()
    assert batch.status == BatchStatus.CLOSED
    assert b.status == ArchiveStatus.DISCREPANCY and b.discrepancy == "缺少身份证复印件"
    assert Notification.objects.filter(user=w.manager, kind="alert").exists()


def test_a_flagged_record_is_handed_over_again_in_a_new_batch(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    a, _b = two_records(w)
    first = services.handover_create(records=[a], by=w.manager)
    services.handover_send(batch=first, by=w.manager)
    services.archive_flag(record_=a, note="扫描件不清晰", by=w.officer)
    second = services.handover_create(records=[ArchiveRecord.objects.get(pk=a.pk)], by=w.manager)
    services.handover_send(batch=second, by=w.manager)
    services.archive_confirm(record_=a, by=w.officer)
    kinds = list(a.events.values_list("kind", flat=True))
    assert kinds == ["created", "batched", "sent", "discrepancy", "batched", "sent", "received"]


def test_a_discrepancy_needs_a_note(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    a, _b = two_records(w)
    batch = services.handover_create(records=[a], by=w.manager)
    services.handover_send(batch=batch, by=w.manager)
    with pytest.raises(ValidationError) as exc:
        services.archive_flag(record_=a, note="", by=w.officer)
    assert "请说明差异情况" in " ".join(exc.value.messages)


def test_a_sent_batch_cannot_change_and_an_empty_one_cannot_be_sent(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    a, b = two_records(w)
    batch = services.handover_create(records=[a, b], by=w.manager)
    services.handover_remove(batch=batch, record_=b, by=w.manager)
    services.handover_send(batch=batch, by=w.manager)
    with pytest.raises(ValidationError):
        services.handover_remove(batch=batch, record_=a, by=w.manager)
    with pytest.raises(TransitionError):
        services.handover_send(batch=batch, by=w.manager)
    empty = services.handover_create(records=[ArchiveRecord.objects.get(pk=b.pk)], by=w.manager)
    services.handover_remove(batch=empty, record_=b, by=w.manager)
    with pytest.raises(ValidationError) as exc:
        services.handover_send(batch=empty, by=w.manager)
    assert "没有档案" in " ".join(exc.value.messages)


def test_only_the_outlets_district_confirms(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    a, _b = two_records(w)
    batch = services.handover_create(records=[a], by=w.manager)
    services.handover_send(batch=batch, by=w.manager)
    haidian = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    with pytest.raises(NotAllowed):
        services.archive_confirm(record_=a, by=haidian)
    with pytest.raises(NotAllowed):
        services.archive_confirm(record_=a, by=w.manager)  # the outlet cannot confirm its own handover


def test_overdue_records_alert_the_outlet_and_the_district_once(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    a, b = two_records(w)
    ArchiveRecord.objects.filter(pk=a.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    assert services.archive_alert_overdue() == 1
    assert Notification.objects.filter(user=w.manager, kind="alert").count() == 1
    assert Notification.objects.filter(user=w.officer, kind="alert").count() == 1
    assert a.events.filter(kind=CustodyEvent.Kind.OVERDUE).exists()
    assert not b.events.filter(kind=CustodyEvent.Kind.OVERDUE).exists()
    assert services.archive_alert_overdue() == 0  # idempotent


def test_the_deadline_counts_working_days(reference, calendar) -> None:  # type: ignore[no-untyped-def]
    from sheyin.institutions.workdays import add_working_days

    w = world()
    case = completed(w)
    rec = ArchiveRecord.objects.get(case=case)
    assert rec.due_date == add_working_days(timezone.localdate(case.ended_at), services.HANDOVER_WORKING_DAYS)


def test_termination_lists_records_not_yet_confirmed(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.cooperation.open_items import collect

    w = world()
    a, b = two_records(w)
    batch = services.handover_create(records=[a], by=w.manager)
    services.handover_send(batch=batch, by=w.manager)
    services.archive_confirm(record_=a, by=w.officer)
    items = [i for i in collect(w.outlet) if i.get("object_type") == "casework.archiverecord"]
    assert [i["object_id"] for i in items] == [str(b.pk)]


def _flagged(w):  # type: ignore[no-untyped-def]
    completed(w)
    rec = ArchiveRecord.objects.get()
    batch = services.handover_create(records=[rec], by=w.manager)
    services.handover_send(batch=batch, by=w.manager)
    return services.archive_flag(record_=rec, note="第2页扫描件模糊，无法辨认", by=w.officer)


def test_a_flagged_record_takes_a_corrected_scan_and_is_handed_over_again(client, reference) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from .factories import png

    w = world()
    rec = _flagged(w)
    old = rec.case.files.get()
    url = reverse("casework:archive_detail", args=[rec.pk])
    client.force_login(w.manager)
    html = client.get(url).content.decode()
    assert "补正扫描件" in html and "第2页扫描件模糊" in html
    resp = client.post(url, {"material": old.material, "replaces": old.pk, "note": "重新扫描第2页",
                             "file": png("clear.png")})  # fmt: skip
    assert resp.status_code == 302
    new = rec.case.files.exclude(pk=old.pk).get()
    assert (new.replaces, new.note, new.uploaded_by) == (old, "重新扫描第2页", w.manager)
    rec.refresh_from_db()
    assert rec.status == ArchiveStatus.DISCREPANCY and rec.file_count == 2
    assert rec.events.filter(kind=CustodyEvent.Kind.CORRECTED, by=w.manager).exists()
    html = client.get(url).content.decode()
    assert "已更正" in html and "重新扫描第2页" in html
    # handed over again, the district confirms it
    again = services.handover_create(records=[rec], by=w.manager)
    services.handover_send(batch=again, by=w.manager)
    services.archive_confirm(record_=rec, by=w.officer)
    rec.refresh_from_db()
    assert rec.status == ArchiveStatus.RECEIVED
    assert client.get(url).content.decode().count("上传补正扫描件") == 0  # nothing to correct any more
    assert client.post(url, {"note": "x"}).status_code == 403


def test_a_corrected_scan_needs_a_note_a_real_file_and_the_outlet_manager(client, reference) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import PermissionDenied
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .factories import png

    w = world()
    rec = _flagged(w)
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ValidationError) as err:
        services.archive_correct(record_=rec, material="身份证", upload=fake, note=" ", by=w.manager)
    assert {"file", "note"} <= set(err.value.message_dict)
    for someone in (w.staff, w.officer):
        with pytest.raises(PermissionDenied):
            services.archive_correct(
                record_=rec, material=rec.materials[0], upload=png(), note="补扫", by=someone
            )
    elsewhere = world(code="110108")
    with pytest.raises(PermissionDenied):
        services.archive_correct(
            record_=rec, material=rec.materials[0], upload=png(), note="补扫", by=elsewhere.manager
        )
    assert rec.case.files.count() == 1 and not rec.events.filter(kind="corrected").exists()
    completed(w)
    pending = ArchiveRecord.objects.exclude(pk=rec.pk).get()  # not flagged: nothing to correct
    with pytest.raises(TransitionError):
        services.archive_correct(record_=pending, material=pending.materials[0], upload=png(), note="补扫",
                                 by=w.manager)  # fmt: skip


def test_the_handover_list_counts_each_batchs_records_received_and_flagged(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.casework.selectors import handovers_for

    w = world()
    completed(w)
    a, b, c = two_records(w)  # three records: one completed above, two more
    first = services.handover_create(records=[a, b], by=w.manager)
    second = services.handover_create(records=[c], by=w.manager)
    for batch in (first, second):
        services.handover_send(batch=batch, by=w.manager)
    services.archive_confirm(record_=a, by=w.officer)
    services.archive_flag(record_=b, note="缺少身份证复印件", by=w.officer)
    counts = {
        x.pk: (x.n_records, x.n_received, x.n_discrepancy) for x in handovers_for(w.officer).order_by("pk")
    }
    assert counts == {first.pk: (2, 1, 1), second.pk: (1, 0, 0)}


def test_an_agency_sees_a_batch_once_it_is_handed_over_and_the_outlet_sees_its_drafts_too(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.casework.selectors import handovers_for

    w = world()
    completed(w)
    a, b, c = two_records(w)  # three records: one completed above, two more
    sent = services.handover_send(batch=services.handover_create(records=[a], by=w.manager), by=w.manager)
    draft = services.handover_create(records=[b], by=w.manager)
    discarded = services.handover_discard(
        batch=services.handover_create(records=[c], by=w.manager), by=w.manager
    )
    services.archive_confirm(record_=a, by=w.officer)
    sent.refresh_from_db()
    assert sent.status == BatchStatus.CLOSED
    assert set(handovers_for(w.officer).values_list("pk", flat=True)) == {sent.pk}
    assert set(handovers_for(w.manager).values_list("pk", flat=True)) == {sent.pk, draft.pk, discarded.pk}
