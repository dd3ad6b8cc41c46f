"""Every POST/PUT/PATCH carries an Idempotency-Key: a retry returns the first response and writes once."""

from __future__ import annotations

import pytest

from sheyin.api.models import IdempotencyRecord
from sheyin.api.services import housekeeping
from sheyin.audit.models import AuditEvent
from sheyin.institutions.models import Outlet

pytestmark = pytest.mark.django_db


def contact_path(outlet: Outlet) -> str:
    return f"/api/v1/institutions/outlets/{outlet.code}/contact"


def test_a_write_updates_the_outlet_through_its_service_with_an_audit_event(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    r = world["home_api"].send("PATCH", contact_path(outlet), {"phone": "010-88886666"}, key="first")
    assert r.status_code == 200
    assert r.json()["phone"] == "010-88886666"
    outlet.refresh_from_db()
    assert outlet.phone == "010-88886666"
    assert AuditEvent.objects.filter(action="outlet.update", object_id=str(outlet.pk)).count() == 1


def test_a_retry_with_the_same_key_returns_the_first_response_and_writes_once(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    api = world["home_api"]
    body = {"opening_hours": "周一至周六 9:00-17:00", "phone": "010-66660001"}
    first = api.send("PATCH", contact_path(outlet), body, key="retry-1")
    retry = api.send("PATCH", contact_path(outlet), body, key="retry-1")
    assert first.status_code == retry.status_code == 200
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="outlet.update", object_id=str(outlet.pk)).count() == 1
    assert IdempotencyRecord.objects.filter(key="retry-1").count() == 1


def test_a_retry_does_not_undo_a_later_change(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    api = world["home_api"]
    api.send("PATCH", contact_path(outlet), {"phone": "010-66660001"}, key="a")
    api.send("PATCH", contact_path(outlet), {"phone": "010-66660002"}, key="b")
    api.send("PATCH", contact_path(outlet), {"phone": "010-66660001"}, key="a")  # a late retry of the first
    outlet.refresh_from_db()
    assert outlet.phone == "010-66660002"


def test_the_same_key_with_a_different_body_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    api = world["home_api"]
    api.send("PATCH", contact_path(outlet), {"phone": "010-66660001"}, key="k")
    r = api.send("PATCH", contact_path(outlet), {"phone": "010-66660009"}, key="k")
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"
    outlet.refresh_from_db()
    assert outlet.phone == "010-66660001"


def test_the_same_key_from_two_clients_is_two_different_requests(world) -> None:  # type: ignore[no-untyped-def]
    home, other = world["outlets"]["home"], world["outlets"]["other"]
    assert (
        world["home_api"].send("PATCH", contact_path(home), {"phone": "010-66660011"}, key="same").status_code
        == 200
    )
    assert (
        world["other_api"]
        .send("PATCH", contact_path(other), {"phone": "010-66660012"}, key="same")
        .status_code
        == 200
    )


def test_a_write_without_a_key_is_refused_and_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    r = world["home_api"].send("PATCH", contact_path(outlet), {"phone": "010-66660001"})
    assert r.status_code == 400
    assert r.json()["code"] == "idempotency_key_missing"
    outlet.refresh_from_db()
    assert outlet.phone == ""


def test_a_refused_write_is_replayed_as_refused(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    other = world["outlets"]["other"]
    api = world["home_api"]
    first = api.send("PATCH", contact_path(other), {"phone": "010-66660011"}, key="foreign")
    retry = api.send("PATCH", contact_path(other), {"phone": "010-66660011"}, key="foreign")
    assert first.status_code == retry.status_code == 404
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert outlet.phone == ""


def test_an_empty_patch_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    r = world["home_api"].send("PATCH", contact_path(outlet), {}, key="empty")
    assert r.status_code == 200
    assert not AuditEvent.objects.filter(action="outlet.update").exists()


def test_stored_responses_are_encrypted_and_purged_after_a_day(world) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    outlet = world["outlets"]["home"]
    world["home_api"].send("PATCH", contact_path(outlet), {"phone": "010-77776666"}, key="enc")
    rec = IdempotencyRecord.objects.get(key="enc")
    assert "010-77776666" not in rec.response_enc
    assert housekeeping(now=timezone.now() + dt.timedelta(hours=25))["idempotency_records"] == 1
    assert not IdempotencyRecord.objects.exists()
