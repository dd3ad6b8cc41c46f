"""A record whose file is missing from storage (a database restored without its files) answers 404 with
the message "文件暂不可用" on the file-serving views that used to answer a bare 404 (docs/operations.md,
"Restore"); the other file views are covered in test_stored_files.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.portal.tests.factories import MaterialFactory, upload

pytestmark = pytest.mark.django_db


def test_a_published_material_whose_file_is_missing_answers_404_with_a_message(
    client, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    material = MaterialFactory(file=upload("pdf"), file_type="pdf")
    assert client.get(reverse("portal:material_file", args=[material.pk])).status_code == 200
    material.file.storage.delete(material.file.name)  # the restore brought the row back, not the file
    answer = client.get(reverse("portal:material_file", args=[material.pk]))
    assert answer.status_code == 404
    page = answer.content.decode()
    assert "文件暂不可用" in page and "尚未从备份中恢复" in page
