from django.conf import settings

from kabinet.utility.models import UtilityProfile


def utility(request):
    return {"utility": UtilityProfile.get(), "DEMO": settings.DEMO}
