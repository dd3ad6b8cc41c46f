"""A record whose file is missing from the file-system storage (a database restored without its files, a
partial restore) answers 404 with the message "文件暂不可用" on every view that serves a stored file, never
500: the storage raises FileNotFoundError and common.middleware answers it (docs/operations.md, "Restore").
The permission check still comes first: someone outside the record's scope learns nothing about the file.
The views and their builders are listed in file_views.py; the bucket's twin is
test_missing_files_in_the_bucket.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.storage import FileSystemStorage

from sheyin.common.tests.file_views import FILE_VIEWS, Served, body

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("make", FILE_VIEWS)
def test_a_file_view_whose_file_is_missing_answers_404_with_a_message(
    client, reference, media, make: Callable[[], Served]
) -> None:  # type: ignore[no-untyped-def]
    served = make()
    stored = served.stored
    assert isinstance(stored.storage, FileSystemStorage) and stored.storage.exists(stored.name)
    with stored.storage.open(stored.name, "rb") as fh:
        content = fh.read()
    if served.reader is not None:
        client.force_login(served.reader)
    answer = client.get(served.url)
    assert answer.status_code == 200 and body(answer) == content  # the stored file itself, while it exists
    stored.storage.delete(stored.name)  # the restore brought the row back, not the file
    answer = client.get(served.url)
    assert answer.status_code == 404
    page = answer.content.decode()
    assert "文件暂不可用" in page and "尚未从备份中恢复" in page
    assert client.head(served.url).status_code == 404  # HEAD is answered like GET


@pytest.mark.parametrize("make", [m for m in FILE_VIEWS if m.__name__ != "a_public_material"])
def test_someone_outside_the_records_scope_gets_no_hint_that_its_file_is_missing(
    client, reference, media, make: Callable[[], Served]
) -> None:  # type: ignore[no-untyped-def]
    served = make()
    served.stored.storage.delete(served.stored.name)
    client.force_login(served.outsider)
    refused = client.get(served.url)
    assert refused.status_code in (403, 404) and "文件暂不可用" not in refused.content.decode()
