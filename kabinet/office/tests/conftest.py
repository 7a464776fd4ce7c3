import pytest
from django.contrib.auth.models import Group

from kabinet.customers.models import User
from kabinet.office.roles import ROLES
from kabinet.test import PASSWORD


@pytest.fixture
def staff(personas):
    """One login per role (its group, as the migration made it), plus carol (superuser),
    dave (every view permission, given directly) and erik (staff with no permission)."""
    logins = {}
    for role in ROLES:
        slug = role.name.lower().replace(" ", "_")
        user = User.objects.create_user(
            username=slug, email=f"{slug}@utility.example", password=PASSWORD, is_staff=True
        )
        user.groups.set([Group.objects.get(name=role.name)])
        logins[role.name] = user
    logins["superuser"] = personas.carol
    logins["read-only"] = personas.dave
    logins["no role"] = User.objects.create_user(
        username="erik", email="erik@utility.example", password=PASSWORD, is_staff=True
    )
    return logins


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
