"""The export job on the long queue (sheyin.common.exports)."""

from __future__ import annotations

from .jobs import long_task


@long_task()
def run_export_job(job_id: int) -> str:
    from .exports import export_job_execute

    return export_job_execute(job_id=job_id)
