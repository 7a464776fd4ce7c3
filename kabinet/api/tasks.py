from celery import shared_task


@shared_task(ignore_result=True)
def idempotency_keys_cleanup() -> int:
    """Nightly, beside meters' submission_keys_cleanup (the same 30 days)."""
    from kabinet.api.idempotency import idempotency_keys_delete_old

    return idempotency_keys_delete_old()
