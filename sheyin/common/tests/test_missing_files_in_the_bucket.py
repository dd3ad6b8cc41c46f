"""With the production storage on a bucket (a local S3 server, moto), a record whose object is missing from
the bucket — a database restored to a later point than the files, a partial restore — answers 404 with the
message "文件暂不可用" on every view that serves a stored file (file_views.py lists them), never 500: the
storage raises FileNotFoundError for a missing key and common.middleware answers it (docs/operations.md,
"Restore"). The file system's twin is test_missing_files.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sheyin.common.storage import PrivateS3Storage
from sheyin.common.tests.file_views import FILE_VIEWS, Served, body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("make", FILE_VIEWS)
def test_a_file_view_whose_object_is_missing_from_the_bucket_answers_404_with_a_message(
    client, reference, s3_bucket, make: Callable[[], Served]
) -> None:  # type: ignore[no-untyped-def]
    served = make()
    stored = served.stored
    assert isinstance(stored.storage, PrivateS3Storage) and stored.storage.exists(stored.name)
    with stored.storage.open(stored.name, "rb") as fh:
        content = fh.read()
    if served.reader is not None:
        client.force_login(served.reader)
    answer = client.get(served.url)
    assert answer.status_code == 200 and body(answer) == content  # served from the bucket while it is there
    stored.storage.delete(stored.name)  # the restore brought the row back, not the object
    answer = client.get(served.url)
    assert answer.status_code == 404
    page = answer.content.decode()
    assert "文件暂不可用" in page and "尚未从备份中恢复" in page
