"""The back office's staff roles, least privilege first.

A role is a Django group with permissions: created by a migration (office 0001) from the
table below and editable afterwards in the back office ("Groups"), like any utility's own
data. Django's admin then shows each role only the menu entries it holds a permission for,
and every action and custom page checks a named permission (kabinet.utility.office).

The table names permissions as "<app>.<action>_<model>": view, add, change, delete.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    name: str  # the group's name; the utility may rename it
    purpose: str
    perms: tuple[str, ...]


def _perms(spec: dict[str, str]) -> tuple[str, ...]:
    """{"app.model": "view add"} -> ("app.view_model", "app.add_model")."""
    out = []
    for target, actions in spec.items():
        app, model = target.split(".")
        out += [f"{app}.{action}_{model}" for action in actions.split()]
    return tuple(out)


# What every role that looks a customer up needs to see.
_CUSTOMER_LOOKUP = {
    "customers.customer": "view",
    "customers.account": "view",
    "customers.premises": "view",
    "customers.building": "view",
    "meters.meter": "view",
    "meters.reading": "view",
    "utility.service": "view",
}

# The back office's reports (office.reports): the utility's figures across customers, for
# the roles that answer for them; the auditor holds it as one of "every view permission".
REPORTS = ("office.view_reports",)
# The exports page (kabinet/exports): the state's templates and the e-invoices of a month.
EXPORTS = ("exports.view_exports",)

OPERATOR = Role(
    "Operator",
    "Hotline: find a customer, enter readings by phone, file service requests.",
    _perms(
        {
            **_CUSTOMER_LOOKUP,
            "meters.reading": "view add",
            "billing.invoice": "view",
            "payments.payment": "view",
            "servicedesk.servicerequest": "view add",
            "servicedesk.category": "view",
            "news.outage": "view",
            "news.news": "view",
            "reception.message": "view",
            # The answering machine's calls of the last day (granted by ivr 0003)
            "ivr.callsession": "view",
        }
    ),
)

METER_ENGINEER = Role(
    "Meter engineer",
    "Meters and their verification, reviewing readings, reading files and readings by e-mail and SMS.",
    _perms(
        {
            **_CUSTOMER_LOOKUP,
            "meters.meter": "view add change",
            "meters.reading": "view add change",
            "meters.readingimport": "view add change",
            "meters.inboundmessage": "view change",
            "meters.readingphoto": "view",  # granted by meters 0012
            "ivr.callsession": "view",  # the answering machine's calls (granted by ivr 0003)
            "servicedesk.servicerequest": "view",
            # Building meters and the building balance review (granted by billing 0009)
            "billing.buildingmeter": "view add change",
            "billing.buildingreading": "view add change",
            "billing.buildingbalance": "view change",
            "billing.buildingshare": "view",
            # Inspectors' routes planned and flagged control checks reviewed (granted by inspection 0002)
            "inspection.route": "view add change",
            "inspection.routestop": "view add change delete",
            "inspection.controlcheck": "view change",
        }
    ),
)

# The phone pages at /inspection/ open with "add control check"; the inspector sees only
# their own routes there and changes nothing else (created by inspection 0002).
INSPECTOR = Role(
    "Inspector",
    "Walks the routes planned for them: control readings, seals and meters' condition, on a phone.",
    _perms(
        {
            "inspection.route": "view",
            "inspection.routestop": "view",
            "inspection.controlcheck": "view add",
        }
    ),
)

ACCOUNTANT = Role(
    "Accountant",
    "Billing runs, invoices and corrections, bank statements, unmatched payments, the cashier, refunds.",
    _perms(
        {
            **_CUSTOMER_LOOKUP,
            "billing.billingrun": "view change",
            "billing.invoice": "view",
            "billing.correction": "view add",
            "billing.ledgerentry": "view",
            "billing.tariff": "view",
            "billing.norm": "view",
            "billing.subscription": "view",
            "billing.keyrate": "view add change",
            # The building balances reviewed before publication (granted by billing 0009)
            "billing.buildingmeter": "view",
            "billing.buildingreading": "view",
            "billing.buildingbalance": "view change",
            "billing.buildingshare": "view",
            "paper.printbatch": "view add",
            "payments.registrylayout": "view add change",
            "payments.statementimport": "view add change",
            "payments.payment": "view change",
            "payments.onlinepayment": "view change",
            # ГИС ЖКХ templates and UBL e-invoices (kabinet/exports; granted by exports 0002)
            "exports.einvoicerecipient": "view add change",
            # Customers' automatic payments: read, and stopped when needed (granted by autopay 0002)
            "autopay.mandate": "view change",
            "autopay.attempt": "view",
            "autopay.savedmethod": "view",
        }
    )
    + REPORTS
    + EXPORTS,
)

DISPATCHER = Role(
    "Dispatcher",
    "Service requests and technicians, outages, news.",
    _perms(
        {
            **_CUSTOMER_LOOKUP,
            "servicedesk.servicerequest": "view change",
            "servicedesk.category": "view",
            "news.news": "view add change delete",
            "news.outage": "view add change delete",
            "news.outagestreet": "view add change delete",
        }
    ),
)

CUSTOMER_SERVICE = Role(
    "Customer service",
    "Registrations and portal access, applications, invitations, messages to the utility and replies.",
    _perms(
        {
            **_CUSTOMER_LOOKUP,
            "customers.customer": "view change",
            "customers.accountaccess": "view add delete",
            "customers.registrationapplication": "view change",
            "customers.activationcode": "view",
            "customers.invitation": "view delete",
            "customers.mailpreference": "view change",
            "reception.message": "view change",
            "notifications.outboxmessage": "view",
            "billing.invoice": "view",
            "payments.payment": "view",
            "servicedesk.servicerequest": "view",
            # Privacy requests (kabinet/privacy; granted on existing databases by privacy 0002)
            "privacy.correctionrequest": "view change",
            "privacy.erasurerequest": "view change",
            "privacy.dataexport": "view",
            "privacy.consentrecord": "view",
            "privacy.privacypolicy": "view",
            # The utility's pages and documents (kabinet/pages; granted by pages 0002)
            "pages.page": "view add change",
            "pages.pageversion": "view restore",
            "pages.document": "view add change",
            # Which chat is whose, and unlinking a lost phone's (granted by telegram 0002)
            "telegram.telegramchat": "view change",
            # Linked bank or ID providers, unlinked on the customer's word (granted by identity 0002)
            "identity.externalidentity": "view delete",
        }
    ),
)

ADMINISTRATOR = Role(
    "Administrator",
    "The utility's profile and services, tariffs and norms, request categories, staff logins and roles.",
    _perms(
        {
            "utility.utilityprofile": "view change",
            "utility.service": "view add change",
            "utility.event": "view",
            "billing.tariff": "view add change delete",
            "billing.norm": "view add change delete",
            "billing.subscription": "view add change delete",
            "billing.keyrate": "view add change delete",
            "servicedesk.category": "view add change",
            "customers.user": "view add change",
            "auth.group": "view add change delete",
            "customers.apitoken": "view",
            "office.authenticator": "view delete",
            "privacy.privacypolicy": "view change",
            "privacy.erasurerequest": "view change",
            "privacy.correctionrequest": "view",
            "paper.printbatch": "view add",
            "exports.einvoicerecipient": "view add change",
            "pages.page": "view add change delete",
            "pages.pageversion": "view restore",
            "pages.document": "view add change delete",
            "telegram.telegramchat": "view change",
            "telegram.outgoingmessage": "view change",
            "identity.externalidentity": "view",
        }
    )
    + REPORTS
    + EXPORTS,
)

# The auditor reads everything, the event log included, and changes nothing: every
# "view" permission of these apps (filled in by the migration, so new models join it).
AUDITOR = Role("Auditor", "Reads everything, including the event log; changes nothing.", ())
AUDITOR_APPS = (
    "auth",
    "utility",
    "notifications",
    "customers",
    "meters",
    "billing",
    "payments",
    "servicedesk",
    "news",
    "reception",
    "api",
    "office",
    "privacy",
    "paper",
    "exports",
    "pages",
    "telegram",
    "ivr",
    "identity",
    "inspection",
    "autopay",
)

ROLES = (OPERATOR, METER_ENGINEER, ACCOUNTANT, DISPATCHER, CUSTOMER_SERVICE, AUDITOR, ADMINISTRATOR, INSPECTOR)
