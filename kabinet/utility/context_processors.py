from django.conf import settings

from kabinet.utility.models import UtilityProfile


def utility(request):
    # ONLINE_PAYMENTS: whether "Pay online" leads to a payment service or to the bank
    # details (no provider configured).
    return {"utility": UtilityProfile.get(), "DEMO": settings.DEMO, "ONLINE_PAYMENTS": bool(settings.PAYMENT_PROVIDER)}
