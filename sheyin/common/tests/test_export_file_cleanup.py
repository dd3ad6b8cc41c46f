"""Finished export files are kept `SHEYIN_EXPORT_KEEP_DAYS` days: the nightly job deletes older ones, expires
their jobs and audits it as the system; the download of an expired job says so and offers the export again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.common.exports import export_jobs_expire
from sheyin.common.models import ExportJob
from sheyin.institutions.tests.factories import district

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    settings.SHEYIN_EXPORT_KEEP_DAYS = 7


def finished_job(user, *, days_ago: float) -> ExportJob:  # type: ignore[no-untyped-def]
    job = ExportJob.objects.create(
        user=user, title="合作网点", path=reverse("institutions:outlet_list"), query="bank=3&export=xlsx",
        status=ExportJob.Status.DONE, file_name="合作网点-20261201.xlsx",
        finished_at=timezone.now() - dt.timedelta(days=days_ago),
    )  # fmt: skip
    job.file.save(f"export-{job.pk}.xlsx", ContentFile(b"xlsx"), save=True)
    return job


@pytest.fixture
def owner(reference):  # type: ignore[no-untyped-def]
    return user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))


def test_an_old_file_is_deleted_and_its_job_expired_and_audited_as_the_system(owner) -> None:  # type: ignore[no-untyped-def]
    job = finished_job(owner, days_ago=8)
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    assert export_jobs_expire() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not job.file and not storage.exists(name)
    event = AuditEvent.objects.get(action="export_job.expire")
    assert event.actor is None and event.actor_name == "system" and event.object_id == str(job.pk)
    assert event.after["file"] == name and event.after["owner"] == owner.pk
    assert export_jobs_expire() == 0  # safe to run twice


def test_a_recent_file_and_an_unfinished_job_are_kept(owner) -> None:  # type: ignore[no-untyped-def]
    recent = finished_job(owner, days_ago=6)
    running = ExportJob.objects.create(
        user=owner, title="受理记录", path="/cases/", status=ExportJob.Status.RUNNING
    )
    assert export_jobs_expire() == 0
    recent.refresh_from_db()
    running.refresh_from_db()
    assert recent.status == ExportJob.Status.DONE and recent.file.storage.exists(recent.file.name)
    assert running.status == ExportJob.Status.RUNNING
    assert not AuditEvent.objects.filter(action="export_job.expire").exists()


def test_the_keeping_period_is_a_setting(owner, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_EXPORT_KEEP_DAYS = 30
    job = finished_job(owner, days_ago=8)
    assert export_jobs_expire() == 0
    assert export_jobs_expire(now=timezone.now() + dt.timedelta(days=23)) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED


def test_the_download_of_an_expired_job_says_so_and_offers_the_export_again(client, owner) -> None:  # type: ignore[no-untyped-def]
    job = finished_job(owner, days_ago=8)
    export_jobs_expire()
    client.force_login(owner)
    resp = client.get(reverse("exports:download", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = resp.content.decode()
    assert resp.status_code == 410
    assert "导出文件只保留 7 天，这个文件已过期并被清除。" in body
    assert f'href="{job.path}?bank=3&amp;export=xlsx"' in body
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "已过期" in page and "按原查询条件重新导出" in page


def test_an_expired_job_is_still_its_owners_only(client, owner) -> None:  # type: ignore[no-untyped-def]
    job = finished_job(owner, days_ago=8)
    export_jobs_expire()
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")))
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404


def test_the_nightly_task_on_the_short_queue_runs_the_clean_up(owner) -> None:  # type: ignore[no-untyped-def]
    from huey.contrib.djhuey import HUEY

    from sheyin.common.tasks import expire_export_files

    finished_job(owner, days_ago=8)
    assert expire_export_files.huey is HUEY
    assert expire_export_files.task_class in HUEY._registry._periodic_tasks
    assert expire_export_files.call_local() == 1
    assert expire_export_files.call_local() == 0
