"""Re-encrypt every registered encrypted column and re-compute its blind index under new keys.

    SHEYIN_NEW_DATA_KEY=<32 hex> SHEYIN_NEW_INDEX_KEY=<64 hex> python manage.py rotate_keys

The current keys (`SHEYIN_DATA_KEY`, `SHEYIN_INDEX_KEY`) are the old ones; a new key left unset keeps the
old one. New keys come from the environment, never the command line (it shows in `ps`). Stop the web and
worker processes first. Resumable: each batch commits with its progress; run the same command again after
an interruption and it continues where it stopped. At the end the stored check values pin the new keys:
set them as SHEYIN_DATA_KEY / SHEYIN_INDEX_KEY and start the platform (docs/operations.md).
"""

from __future__ import annotations

import os
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from sheyin.common import keys
from sheyin.common.crypto import EncryptedField, _keys, blind_index, encrypt, encrypt_bytes, encrypted_fields
from sheyin.common.models import KeyCheck

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt and re-index personal data under new keys (resumable)."
    # A half-done rotation makes the key checks fail: this command must still run to finish it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=BATCH, help="rows per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        old_data_hex, old_index_hex = settings.SHEYIN_DATA_KEY, settings.SHEYIN_INDEX_KEY
        new_data_hex = os.environ.get("SHEYIN_NEW_DATA_KEY", "") or old_data_hex
        new_index_hex = os.environ.get("SHEYIN_NEW_INDEX_KEY", "") or old_index_hex
        for spec, value in ((keys.DATA, old_data_hex), (keys.INDEX, old_index_hex),
                            (keys.DATA, new_data_hex), (keys.INDEX, new_index_hex)):  # fmt: skip
            problem = keys.format_problem(spec, value)
            if problem:
                raise CommandError(problem)
        for spec, value in ((keys.DATA, new_data_hex), (keys.INDEX, new_index_hex)):
            if keys.is_builtin(spec, value) and not settings.DEMO_MODE:
                raise CommandError(
                    f"新的 {spec.setting} 是公开的内置密钥。/ The new {spec.setting} is a published key."
                )
        if (new_data_hex, new_index_hex) == (old_data_hex, old_index_hex):
            raise CommandError(
                "未提供新密钥：请设置 SHEYIN_NEW_DATA_KEY 和/或 SHEYIN_NEW_INDEX_KEY。"
                " / No new key: set SHEYIN_NEW_DATA_KEY and/or SHEYIN_NEW_INDEX_KEY."
            )
        old = _keys(old_data_hex, old_index_hex)
        new = _keys(new_data_hex, new_index_hex)
        self._start(old, new)
        for field in encrypted_fields():
            self._rotate(field, old, new, options["batch"])
        with transaction.atomic():
            row = KeyCheck.objects.select_for_update().get(pk=1)
            row.data_check, row.index_check = row.pending_data_check, row.pending_index_check
            row.pending_data_check = row.pending_index_check = ""
            row.rotation_started_at, row.rotation_progress, row.rotated_at = None, {}, timezone.now()
            row.save()
        self.stdout.write(self.style.SUCCESS(
            "密钥轮换完成。请把新密钥设为 SHEYIN_DATA_KEY / SHEYIN_INDEX_KEY 后启动平台。"
            " / Rotation complete: set the new keys as SHEYIN_DATA_KEY / SHEYIN_INDEX_KEY, then start."
        ))  # fmt: skip

    def _start(self, old: tuple[bytes, bytes], new: tuple[bytes, bytes]) -> KeyCheck:
        """Check the old keys (or, resuming, the new ones) against the stored check values, then mark the
        rotation as started with the new keys' check values."""
        with transaction.atomic():
            row = KeyCheck.objects.select_for_update().filter(pk=1).first()
            if row is None:
                if keys.sample_problems(*old) != (True, True):
                    raise CommandError(
                        "当前密钥无法解密已存储的数据，不能轮换。/ The current keys do not open the stored data."
                    )
                data_check, index_check = keys.check_values(*old)
                row = KeyCheck.objects.create(pk=1, data_check=data_check, index_check=index_check)
            if row.rotating:
                if keys.matches(row.pending_data_check, row.pending_index_check, *new) != (True, True):
                    raise CommandError(
                        "已有一次未完成的轮换使用了另一组新密钥：请用那组新密钥继续。"
                        " / An unfinished rotation uses other new keys: resume with those."
                    )
                if keys.matches(row.data_check, row.index_check, *old) != (True, True):
                    raise CommandError(
                        "旧密钥与存储的校验值不一致。/ The old keys do not match the stored check values."
                    )
                self.stdout.write("继续未完成的轮换 / resuming the unfinished rotation")
                return row
            if keys.matches(row.data_check, row.index_check, *old) != (True, True):
                raise CommandError(
                    "SHEYIN_DATA_KEY / SHEYIN_INDEX_KEY 不是当前数据所用的密钥。"
                    " / SHEYIN_DATA_KEY / SHEYIN_INDEX_KEY are not the keys the data uses."
                )
            row.pending_data_check, row.pending_index_check = keys.check_values(*new)
            row.rotation_started_at, row.rotation_progress = timezone.now(), {}
            row.save()
        return row

    def _rotate(
        self,
        field: EncryptedField,
        old: tuple[bytes, bytes],
        new: tuple[bytes, bytes],
        batch: int,
    ) -> None:
        model: Any = apps.get_model(field.model)
        manager = model._default_manager
        done = 0
        while True:
            with transaction.atomic():
                state = KeyCheck.objects.select_for_update().get(pk=1)
                last = int(state.rotation_progress.get(field.label, 0))
                rows = list(
                    manager.select_for_update()
                    .filter(pk__gt=last)
                    .exclude(**field.empty())
                    .order_by("pk")[:batch]
                )
                if not rows:
                    break
                for obj in rows:
                    try:
                        clear = field.open(getattr(obj, field.field), old[0])
                    except Exception as exc:  # InvalidTag: this value was not made with the old key
                        raise CommandError(
                            f"{field.label} 第 {obj.pk} 行无法用旧密钥解密，轮换已停在此处（之前的批次已保存）。"
                            f" / {field.label} row {obj.pk} does not decrypt with the old key; stopped here"
                            " (earlier batches are saved)."
                        ) from exc
                    setattr(
                        obj,
                        field.field,
                        encrypt(clear, new[0]) if isinstance(clear, str) else encrypt_bytes(clear, new[0]),
                    )
                    if field.index and isinstance(clear, str):
                        setattr(obj, field.index, blind_index(clear, new[1]))
                manager.bulk_update(rows, [field.field, field.index] if field.index else [field.field])
                state.rotation_progress = {**state.rotation_progress, field.label: rows[-1].pk}
                state.save(update_fields=["rotation_progress"])
            done += len(rows)
            self.stdout.write(f"{field.label}: {done}")
        self.stdout.write(f"{field.label}: done ({done})")
