from celery import shared_task

from kabinet.paper.services import print_batch_work


@shared_task(ignore_result=True, acks_late=True)
def print_batch_bundles(batch_id: int) -> None:
    """A worker's share of a print batch: render pending bundles until none is left
    (claimed with SKIP LOCKED), then close the batch if this was the last one."""
    print_batch_work(batch_id=batch_id)
