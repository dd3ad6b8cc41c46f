"""A published version never changes, by any path (R5.2, R9.2: a case records the version it was accepted
under, so what that version says must stay what it said).

Paths: the services (which pages, import and any API use), the models and querysets, Django's plain base
manager that skips our queryset, raw SQL (the database triggers of migration 0002), the admin (there is
none) and the REST API (read-only). Raw SQL DELETE is refused by a trigger on PostgreSQL only: on SQLite
Django's test harness empties tables with plain DELETE statements, so there the ORM guards and the
items' PROTECT foreign key stand instead (see the migration's docstring)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from sheyin.catalogue import services
from sheyin.catalogue.api import router
from sheyin.catalogue.models import CatalogueVersion, ServiceItem
from sheyin.catalogue.workflow import Status, TransitionError

from .factories import item_data, officer, sheet_row, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def v1(reference) -> CatalogueVersion:  # type: ignore[no-untyped-def]
    return CatalogueVersion.objects.get(number=1)


def refused(attempt: Callable[[], object], errors: tuple[type[Exception], ...] = (IntegrityError,)) -> bool:
    """True when the attempt raises one of `errors` (inside a savepoint, so the test can go on)."""
    try:
        with transaction.atomic():
            attempt()
    except errors:
        return True
    return False


def unchanged(v1: CatalogueVersion, snapshot: list[tuple]) -> bool:  # type: ignore[type-arg]
    current = list(
        ServiceItem.objects.filter(version=v1).order_by("code").values_list("code", "name", "guide")
    )
    version = CatalogueVersion.objects.get(pk=v1.pk)
    return current == snapshot and (version.status, version.summary) == (Status.PUBLISHED, v1.summary)


def items_of(v1: CatalogueVersion) -> list[tuple]:  # type: ignore[type-arg]
    return list(ServiceItem.objects.filter(version=v1).order_by("code").values_list("code", "name", "guide"))


def test_every_service_refuses_to_change_a_published_version(v1) -> None:  # type: ignore[no-untyped-def]
    maker = officer()
    item = v1.items.first()
    before = items_of(v1)
    attempts = {
        "item_create": lambda: services.item_create(version=v1, data=item_data(), by=maker),
        "item_update": lambda: services.item_update(item=item, data={"name": "改"}, by=maker),
        "item_delete": lambda: services.item_delete(item=item, by=maker),
        "version_update": lambda: services.version_update(version=v1, summary="改", by=maker),
        "items_import": lambda: services.items_import(
            version=v1, content=xlsx([sheet_row()]), mode="replace", by=maker
        ),
        "version_submit": lambda: services.version_submit(version=v1, by=maker),
        "version_discard": lambda: services.version_discard(version=v1, reason="改", by=maker),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ValidationError) as err:
            attempt()
        assert (
            isinstance(err.value, TransitionError) or "已发布的清单版本不可修改" in err.value.messages[0]
        ), name
    assert unchanged(v1, before)


def test_model_save_and_delete_are_refused(v1) -> None:  # type: ignore[no-untyped-def]
    before = items_of(v1)
    item = v1.items.first()
    item.name = "改名"
    assert refused(item.save)
    assert refused(v1.items.first().delete)
    v1.summary = "改"
    assert refused(v1.save)
    assert refused(CatalogueVersion.objects.get(pk=v1.pk).delete)
    v1.refresh_from_db()
    assert unchanged(v1, before)


def test_queryset_update_delete_and_bulk_writes_are_refused(v1) -> None:  # type: ignore[no-untyped-def]
    before = items_of(v1)
    items = ServiceItem.objects.filter(version=v1)
    assert refused(lambda: items.update(name="改名"))
    assert refused(lambda: items.filter(code="SY-C-002").update(needs_card_machine=False))
    assert refused(lambda: items.delete())
    assert refused(lambda: CatalogueVersion.objects.filter(pk=v1.pk).update(summary="改"))
    assert refused(lambda: CatalogueVersion.objects.filter(pk=v1.pk).delete())
    assert refused(
        lambda: ServiceItem.objects.bulk_create([ServiceItem(version=v1, **_stored(code="SY-Q-900"))])
    )
    rows = list(items)
    for r in rows:
        r.name += "（改）"
    assert refused(lambda: ServiceItem.objects.bulk_update(rows, ["name"]))
    assert unchanged(v1, before)


def test_the_database_itself_refuses_updates_inserts_and_status_changes(v1) -> None:  # type: ignore[no-untyped-def]
    """Through Django's plain base manager (which skips our queryset) and through raw SQL."""
    before = items_of(v1)
    plain = ServiceItem._base_manager.filter(version=v1)
    assert refused(lambda: plain.update(name="改名"), (IntegrityError, DatabaseError))
    assert refused(
        lambda: CatalogueVersion._base_manager.filter(pk=v1.pk).update(status=Status.DRAFT),
        (IntegrityError, DatabaseError),
    )
    item_pk = v1.items.first().pk
    sql = {
        "update item": ("UPDATE catalogue_serviceitem SET name = %s WHERE id = %s", ["改名", item_pk]),
        "move item out": (
            "UPDATE catalogue_serviceitem SET version_id = %s WHERE id = %s",
            [_draft().pk, item_pk],
        ),
        "insert item": (
            "INSERT INTO catalogue_serviceitem (version_id, code, name, category, audience, channels, materials,"
            " legal_basis, time_limit_days, risk, needs_card_machine, guide)"
            " VALUES (%s, 'SY-Q-999', 'x', 'query', 'individual', 'T', '', '', 0, 'low', %s, '')",
            [v1.pk, False],
        ),
        "update version": (
            "UPDATE catalogue_catalogueversion SET effective_from = NULL WHERE id = %s",
            [v1.pk],
        ),
    }
    if connection.vendor == "postgresql":
        sql["delete item"] = ("DELETE FROM catalogue_serviceitem WHERE version_id = %s", [v1.pk])
        sql["delete version"] = ("DELETE FROM catalogue_catalogueversion WHERE id = %s", [v1.pk])

    def run(statement: str, params: list) -> Callable[[], None]:  # type: ignore[type-arg]
        def go() -> None:
            with connection.cursor() as cur:
                cur.execute(statement, params)

        return go

    for name, (statement, params) in sql.items():
        assert refused(run(statement, params), (IntegrityError, DatabaseError)), name
    assert unchanged(v1, before)


def test_items_of_a_draft_stay_writable_through_the_same_paths(v1) -> None:  # type: ignore[no-untyped-def]
    draft = _draft()
    assert ServiceItem.objects.filter(version=draft).update(time_limit_days=2) == v1.items.count()
    assert ServiceItem.objects.filter(version=draft, code="SY-Q-001").delete()[0] == 1


def test_there_is_no_django_admin_through_which_a_version_could_be_edited(client, v1) -> None:  # type: ignore[no-untyped-def]
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    assert client.get("/admin/").status_code == 404


def test_the_api_has_no_write_operation_and_refuses_writes(client, v1) -> None:  # type: ignore[no-untyped-def]
    methods = {m for path in router.path_operations.values() for op in path.operations for m in op.methods}
    assert methods == {"GET"}
    for method in ("post", "put", "patch", "delete"):
        resp = getattr(client, method)("/api/v1/catalogue/", data={}, content_type="application/json")
        assert resp.status_code == 405, method
    assert CatalogueVersion.objects.get(pk=v1.pk).status == Status.PUBLISHED


def _draft() -> CatalogueVersion:
    return services.version_create_draft(by=None)


def _stored(**overrides: object) -> dict[str, object]:
    from .factories import row

    return row(**overrides)
