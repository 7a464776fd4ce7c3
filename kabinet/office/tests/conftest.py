import pytest

from kabinet.customers.models import User
from kabinet.office.roles import ROLES
from kabinet.test import PASSWORD, role_logins


@pytest.fixture
def staff(personas):
    """One login per role (its group, as the migration made it), plus carol (superuser),
    dave (every view permission, given directly) and erik (staff with no permission)."""
    logins = role_logins(role.name for role in ROLES)
    logins["superuser"] = personas.carol
    logins["read-only"] = personas.dave
    logins["no role"] = User.objects.create_user(
        username="erik", email="erik@utility.example", password=PASSWORD, is_staff=True
    )
    return logins


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
