from celery import shared_task

from kabinet.privacy.services import data_export_build, data_exports_purge


@shared_task(ignore_result=True)
def data_export_build_task(export_id: int) -> None:
    data_export_build(export_id=export_id)


@shared_task(ignore_result=True)
def data_exports_purge_task() -> int:
    return data_exports_purge()
