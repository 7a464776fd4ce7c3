"""Every table with personal data of a login has a decision in erasure.DECISIONS: a new
model with a user link, an e-mail, a phone, a name or an IP address fails here until
someone decides (and writes down why) what the erasure does to it."""

from django.apps import apps
from django.conf import settings
from django.db import models

from kabinet.privacy.erasure import DECISIONS, Action

NAME_PARTS = ("email", "phone", "first_name", "last_name", "full_name", "payer_name")


def personal_fields(model) -> set[str]:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = set()
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is user_model:
            found.add(field.name)
        elif isinstance(field, models.EmailField | models.GenericIPAddressField):
            found.add(field.name)
        elif isinstance(field, models.CharField | models.TextField) and any(p in field.name for p in NAME_PARTS):
            found.add(field.name)
        elif field.name == "sender":
            found.add(field.name)
    return found


def personal_models():
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = personal_fields(model)
        if fields:
            yield model._meta.label, fields


def test_it_has_a_decision_for_every_personal_field_of_every_table():
    missing = {}
    for label, fields in personal_models():
        decided = {name for decision in DECISIONS.get(label, ()) for name in decision.fields}
        if fields - decided:
            missing[label] = sorted(fields - decided)
    assert missing == {}, f"decide in kabinet/privacy/erasure.py DECISIONS what the erasure does to {missing}"


def test_every_decision_names_real_tables_and_fields_and_says_why():
    for label, decisions in DECISIONS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            raise AssertionError(f"{label} in DECISIONS is no model") from None
        names = {f.name for f in model._meta.concrete_fields}
        for decision in decisions:
            assert decision.action in Action
            assert decision.why.strip(), label
            assert set(decision.fields) <= names, (label, set(decision.fields) - names)


def test_the_check_finds_links_e_mails_phones_names_and_addresses():
    from kabinet.customers.models import Customer, RegistrationApplication

    assert personal_fields(Customer) == {"first_name", "last_name", "email", "phone"}
    assert {"email", "phone", "ip", "user", "decided_by", "full_name"} <= personal_fields(RegistrationApplication)
