"""Kabinet settings: one module, configured by environment variables.

Defaults serve the embedded demo (SQLite under var/, tasks inline, mail kept in
the outbox and printed to the console). Production sets DEBUG=0 and must then
give a real SECRET_KEY, or the process refuses to start.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KABINET_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    """A setting from the environment, or from the file named by NAME_FILE (secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEFAULT_SECRET_KEY = "kabinet-insecure-demo-key-change-me"  # nosec B105  # refused with DEBUG=0
DEBUG = env_bool("DEBUG", True)
# Django's technical 404/500 pages (URL list, traceback, settings) for a developer who asks;
# everyone else gets the product's pages, also with DEBUG on (kabinet/portal/errors.py).
DEBUG_PAGES = env_bool("DJANGO_DEBUG_PAGES", False)
SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
if not DEBUG and SECRET_KEY in ("", DEFAULT_SECRET_KEY):
    raise ImproperlyConfigured("DEBUG is off: set SECRET_KEY (or SECRET_KEY_FILE) to a real secret.")

# The demo switch: shows the demo logins on the login page and keeps mail local.
DEMO = env_bool("KABINET_DEMO", DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    # Otherwise every request would be answered with a bare 400.
    raise ImproperlyConfigured("DEBUG is off: set ALLOWED_HOSTS to the site's host names (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "kabinet.office.apps.OfficeAdminConfig",  # Django's admin on the back office's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",  # the API docs' Swagger UI from its own static files, not a CDN
    "kabinet.utility",
    "kabinet.notifications",
    "kabinet.customers",
    "kabinet.meters",
    "kabinet.billing",
    "kabinet.payments",
    "kabinet.servicedesk",
    "kabinet.news",
    "kabinet.reception",
    "kabinet.telegram",  # the customers' Telegram bot (off without TELEGRAM_BOT_TOKEN)
    "kabinet.ivr",  # readings by phone: the answering machine (off unless IVR_PROVIDER)
    "kabinet.identity",  # sign-in with a bank or ID provider, OpenID Connect (off without OIDC_PROVIDERS)
    "kabinet.pages",  # the utility's own pages under /info/
    "kabinet.privacy",
    "kabinet.inspection",  # the inspector's round: control readings on a phone
    "kabinet.paper",
    "kabinet.autopay",  # automatic payment with a saved card (needs PAYMENT_PROVIDER)
    "kabinet.exports",  # ГИС ЖКХ templates and UBL e-invoices
    "kabinet.portal",
    "kabinet.demo",
    "kabinet.api",
    "kabinet.office",
    "kabinet.ops",  # backups and the restore drill
]

MIDDLEWARE = [
    "kabinet.health.HealthCheckMiddleware",  # /healthz and /readyz: no session, host check or redirect
    "kabinet.observability.metrics.MetricsMiddleware",  # /metrics: the same, token or address checked
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # request counts and latency: first…
    "kabinet.observability.middleware.RequestIdMiddleware",  # X-Request-ID, in every log line of the request
    "kabinet.utility.middleware.RequestSizeMiddleware",  # before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "kabinet.utility.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kabinet.utility.middleware.UtilityLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kabinet.utility.middleware.ControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kabinet.utility.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # …and last
]

ROOT_URLCONF = "kabinet.urls"
WSGI_APPLICATION = "kabinet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kabinet.utility.context_processors.utility",
            ],
        },
    },
]

# --- Database: SQLite under var/ unless DATABASE_URL names PostgreSQL ---------------
DATABASE_URL = env("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 600), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_PREPARED_STATEMENTS", True):
        # Parameters bound by the server, and a statement run 5 times on a connection is
        # prepared there: PostgreSQL stops parsing and planning the same few statements of
        # every request (half of its CPU on a reading submission). Turn it off behind a
        # pooler that cannot keep prepared statements (pgbouncer before 1.21 in transaction mode).
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(VAR_DIR / "kabinet.sqlite3")),
            "OPTIONS": {
                # WAL lets the demo server read while a billing run or import writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis in production (throttle counters must be shared between workers) ---
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    # Django's RedisCache, reusing its redis-py client (see kabinet/lib/redis_cache.py).
    CACHES = {"default": {"BACKEND": "kabinet.lib.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions are read on every page: from Redis, written through to the database (a
    # Redis restart logs nobody out).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Background work ---------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The schedule's hours are the utility's: CELERY_TIMEZONE = TIME_ZONE (below, with i18n).
CELERY_ENABLE_UTC = True
# The hour (utility time) of the daily reading and verification reminders.
READING_REMINDERS_HOUR = env_int("READING_REMINDERS_HOUR", 9)
# `celery -A kabinet beat`: the month on a schedule. Every entry is a thin door onto a
# service that also has a management command to run by hand, and is safe to re-run; a job
# that raises mails ALERT_EMAILS (kabinet/notifications/alerts.py). Billing is started by
# staff (`bill_period`, or the back office); it applies the queued readings itself first.
CELERY_BEAT_SCHEDULE = {
    # The outbox: also sent right after each commit that queues mail; this picks up retries.
    "send-outbox": {"task": "kabinet.notifications.tasks.send_outbox", "schedule": 60.0},
    # Readings sent before the window: applied at 5 past every hour, so the morning the
    # window opens they are in within the hour (`readings_apply_queued`).
    "readings-apply-queued": {
        "task": "kabinet.meters.tasks.readings_apply_queued",
        "schedule": crontab(minute=5),
    },
    # Reading and verification reminders that are due, once a day (`readings_reminders`).
    "readings-reminders": {
        "task": "kabinet.meters.tasks.readings_reminders",
        "schedule": crontab(hour=READING_REMINDERS_HOUR, minute=0),
    },
    # Readings by e-mail (IMAP; does nothing without READINGS_IMAP_HOST) and SMS replies.
    "readings-fetch-mail": {"task": "kabinet.meters.tasks.readings_fetch_mail", "schedule": 300.0},
    "readings-send-sms": {"task": "kabinet.meters.tasks.readings_send_sms", "schedule": 60.0},
    # The Telegram bot's replies and reminders that could not be sent at once.
    "telegram-send-outbox": {"task": "kabinet.telegram.tasks.telegram_send_outbox", "schedule": 60.0},
    # Answering-machine calls older than IVR_SESSION_HOURS, with the callers' numbers (`ivr_sessions_purge`).
    "ivr-sessions-purge": {"task": "kabinet.ivr.tasks.ivr_sessions_purge", "schedule": crontab(hour=3, minute=55)},
    # Bank statements dropped in STATEMENTS_INBOX (`import_statements`).
    "import-statements": {"task": "kabinet.payments.tasks.import_statements_task", "schedule": 600.0},
    # The payment sandbox's delayed notifications (`sandbox_notify`; nothing due without it).
    "sandbox-notifications": {"task": "kabinet.payments.tasks.sandbox_notify_task", "schedule": 60.0},
    # Outage e-mails to the customers at the addresses of newly published outages.
    "outage-notices": {"task": "kabinet.news.tasks.send_outage_notices", "schedule": 300.0},
    # Housekeeping at night: idempotency keys older than 30 days (`readings_keys_cleanup`)
    # and expired sessions (`clearsessions`).
    "submission-keys-cleanup": {
        "task": "kabinet.meters.tasks.submission_keys_cleanup",
        "schedule": crontab(hour=3, minute=15),
    },
    # The API's idempotency keys of its other POSTs, also kept 30 days (`api_keys_cleanup`).
    "api-keys-cleanup": {"task": "kabinet.api.tasks.idempotency_keys_cleanup", "schedule": crontab(hour=3, minute=20)},
    "sessions-clear": {"task": "kabinet.customers.tasks.sessions_clear", "schedule": crontab(hour=3, minute=30)},
    # Photos of meters no reading took within 30 days, with their files (`readings_photos_purge`).
    "reading-photos-purge": {
        "task": "kabinet.meters.tasks.reading_photos_purge",
        "schedule": crontab(hour=3, minute=40),
    },
    # Request photo files left by failed uploads (`servicedesk_sweep_photos`).
    "photos-sweep": {"task": "kabinet.servicedesk.tasks.photos_sweep", "schedule": crontab(hour=3, minute=45)},
    # Data exports whose seven days have passed, with their files (`privacy_exports_purge`).
    "privacy-exports-purge": {
        "task": "kabinet.privacy.tasks.data_exports_purge_task",
        "schedule": crontab(hour=3, minute=50),
    },
    # The month's billing run from the invoice day on, as a draft or published per the
    # profile's "billing on the invoice day" (kabinet/billing/schedule.py; `bill_period`).
    # At 20 past, after the queued readings are applied at 5 past.
    "billing-on-invoice-day": {"task": "kabinet.billing.tasks.billing_on_invoice_day", "schedule": crontab(minute=20)},
    # Automatic payments whose day has come, and retries (`autopay_charge`).
    "autopay-charge-due": {"task": "kabinet.autopay.tasks.autopay_charge_due_task", "schedule": 300.0},
}
# Who is mailed when a periodic job fails (comma-separated); empty: the active superusers.
ALERT_EMAILS = env_list("ALERT_EMAILS", "")

# --- Auth --------------------------------------------------------------------------
AUTH_USER_MODEL = "customers.User"
AUTHENTICATION_BACKENDS = ["kabinet.customers.backends.IdentifierBackend"]
PASSWORD_HASHERS = [
    # Argon2id at OWASP's recommended parameters (kabinet/customers/hashers.py says why).
    "kabinet.customers.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kabinet.office.passwords.StaffPasswordValidator"},
]
# Staff logins: a second factor (a code from an authenticator app, kabinet/office/sites.py)
# and a longer password (kabinet/office/passwords.py). Off in the demo, whose staff login
# is printed on its login page.
STAFF_TWO_FACTOR = env_bool("STAFF_TWO_FACTOR", not DEBUG)
STAFF_PASSWORD_MIN_LENGTH = env_int("STAFF_PASSWORD_MIN_LENGTH", 12)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:login"
SESSION_COOKIE_AGE = 14 * 24 * 3600  # "remember me": two weeks; otherwise ends with the browser
SESSION_COOKIE_HTTPONLY = True
# Reverse proxies in front of the app: the client's IP (throttling, audit) is taken from X-Forwarded-For.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
# API rate limits ("count/s|min|hour|day"; empty: none), per personal token (or portal
# login) and per client address; over them the API answers 429 with Retry-After.
API_RATE_PER_TOKEN = env("API_RATE_PER_TOKEN", "120/min")
API_RATE_PER_ADDRESS = env("API_RATE_PER_ADDRESS", "1200/min")

# --- I18n --------------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", "lv")
LANGUAGES = [("lv", _("Latvian")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates as Europe writes them (7 Dec 2026, 07/12/2026): kabinet/formats/en.
FORMAT_MODULE_PATH = ["kabinet.formats"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "Europe/Riga")
CELERY_TIMEZONE = TIME_ZONE  # the beat schedule's crontab hours are the utility's
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server only
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Request bodies: the most each door accepts (kabinet.utility.middleware) ----------
MB = 1024 * 1024
REQUEST_BODY_DEFAULT_LIMIT = env_int("REQUEST_BODY_DEFAULT_LIMIT", 1 * MB)  # portal forms
REQUEST_BODY_LIMITS = {
    "/api/": 256 * 1024,  # JSON readings, SMS webhooks
    "/requests/new/": 5 * 10 * MB + MB,  # five photos of 10 MB (servicedesk.MAX_PHOTOS)
    "/office/": 5 * MB,
    "/inspection/stops/": 3 * 10 * MB + MB,  # a stop's meter photos (inspection.services.MAX_PHOTO_BYTES)
    "/office/news/": 10 * MB + MB,  # a news picture (news.services.MAX_IMAGE_BYTES)
    # A photo of the meter with a reading (meters.photos.PHOTO_MAX_BYTES), portal and API.
    "/readings/photo/": 10 * MB + MB,
    "/api/v1/readings/photos": 10 * MB + MB,
    # Reading files and bank statements (meters/payments MAX_IMPORT_BYTES / MAX_UPLOAD).
    "/office/meters/readingimport/upload/": 200 * MB + MB,
    "/office/payments/statementimport/upload/": 200 * MB + MB,
}

# --- Static and media --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (photos, statements) live outside the web root and are served by views
# that check ownership.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = DEBUG

# --- E-mail: everything goes through notifications.OutboxMessage first --------------
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Kabinet <noreply@kabinet.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # The demo: mail is readable in the back office (the outbox) and printed to the console.
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- Online payments: "yookassa", "" (none) or "sandbox" (built in, no money moves) ----
# Without a provider customers pay by bank transfer (the receipt's QR code) and the pay
# page says so. The sandbox credits accounts without any money moving: it is the demo's
# default (DEBUG on) and refused in production unless a staging server asks for it by name.
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", "sandbox" if DEBUG else "")
UNSAFE_PAYMENTS_SANDBOX_IN_PRODUCTION = env_bool("UNSAFE_PAYMENTS_SANDBOX_IN_PRODUCTION", False)
if PAYMENT_PROVIDER not in ("", "sandbox", "yookassa"):
    raise ImproperlyConfigured(f"PAYMENT_PROVIDER={PAYMENT_PROVIDER!r}: use yookassa, sandbox or leave it empty.")
if PAYMENT_PROVIDER == "sandbox" and not DEBUG and not UNSAFE_PAYMENTS_SANDBOX_IN_PRODUCTION:
    raise ImproperlyConfigured(
        "PAYMENT_PROVIDER=sandbox lets customers credit their accounts without paying. It runs with "
        "DEBUG on only; a staging server that needs it sets UNSAFE_PAYMENTS_SANDBOX_IN_PRODUCTION=1."
    )
PAYMENTS_SANDBOX_SECRET = env("PAYMENTS_SANDBOX_SECRET", "")
YOOKASSA_SHOP_ID = env("YOOKASSA_SHOP_ID", "")
YOOKASSA_SECRET_KEY = env("YOOKASSA_SECRET_KEY", "")
YOOKASSA_API_URL = env("YOOKASSA_API_URL", "https://api.yookassa.ru/v3")
YOOKASSA_CHECK_IP = env_bool("YOOKASSA_CHECK_IP", True)
YOOKASSA_RECEIPT_VAT_CODE = env("YOOKASSA_RECEIPT_VAT_CODE", "")
# Automatic payment (kabinet/autopay): the hour (utility time) charges are made, the days
# after a decline to try again, the declines in a row that pause it, and what a card
# setup charges when nothing is owed (credited to the account).
AUTOPAY_CHARGE_HOUR = env_int("AUTOPAY_CHARGE_HOUR", 10)
AUTOPAY_RETRY_DAYS = [int(d) for d in env_list("AUTOPAY_RETRY_DAYS", "1,3")]
AUTOPAY_DECLINES_TO_PAUSE = env_int("AUTOPAY_DECLINES_TO_PAUSE", 3)
AUTOPAY_VERIFY_AMOUNT = env("AUTOPAY_VERIFY_AMOUNT", "1.00")
if PAYMENT_PROVIDER == "yookassa" and not (YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY):
    raise ImproperlyConfigured("PAYMENT_PROVIDER=yookassa needs YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY.")
# A folder watched by `manage.py import_statements` (cron or a Celery beat task).
STATEMENTS_INBOX = env("STATEMENTS_INBOX", str(VAR_DIR / "statements"))

# --- Security (production) ---------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The probes speak plain HTTP to the app server (they are answered before
    # SecurityMiddleware anyway, by kabinet.health.HealthCheckMiddleware).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Observability: metrics, logs, errors (kabinet/observability; README, "Observability") ---
# Logs: one JSON object per line in production, text in development; both carry the request id.
LOG_FORMAT = env("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kabinet.observability.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "kabinet.observability.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's own handlers (a second console in DEBUG, mail_admins) give way to the one
        # above: each record once, in the chosen format.
        "django": {"handlers": [], "level": env("LOG_LEVEL", "WARNING"), "propagate": True},
        # One line per request (method, path, status, duration, user id), whatever LOG_LEVEL
        # says; it replaces runserver's request lines in development.
        "kabinet.request": {"level": "INFO"},
    },
}
# The worker's and beat's lines go through LOGGING too (JSON, with the request id) instead of
# the handlers Celery would install on the root logger.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics (kabinet/observability/metrics.py): a bearer token, or an address allowed without one.
METRICS_TOKEN = env("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
# The domain's gauges are read from the database at most this often (0: at every scrape).
METRICS_CACHE_SECONDS = env_int("METRICS_CACHE_SECONDS", 30)
# django-prometheus' database wrappers (the same drivers): query counts, durations and errors.
_METRICS_ENGINES = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
DATABASES["default"]["ENGINE"] = _METRICS_ENGINES.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])
# Errors to Sentry (or a compatible server) only when a DSN is given; never personal data.
SENTRY_DSN = env("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
SENTRY_RELEASE = env("SENTRY_RELEASE", "")
SENTRY_TRACES_SAMPLE_RATE = float(env("SENTRY_TRACES_SAMPLE_RATE", "0"))
if SENTRY_DSN and "pytest" not in __import__("sys").modules:
    from kabinet.observability.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# --- Under pytest: fast hashing and a private cache per run -------------------------
TESTING = "pytest" in __import__("sys").modules
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_TASK_ALWAYS_EAGER = True

# --- A photo of the meter with a reading (kabinet/meters/photos.py, ocr.py) ------------
# Suggest the value read from the photo (Tesseract, Debian's tesseract-ocr) for the
# customer to confirm. bench/bench_ocr.py measures how often it is right.
READINGS_PHOTO_OCR = env_bool("READINGS_PHOTO_OCR", True)

# --- Readings by e-mail (IMAP) and SMS (kabinet/meters/inbound) ----------------------
READINGS_IMAP_HOST = env("READINGS_IMAP_HOST", "")
# Always TLS with the certificate verified: implicit TLS (993) or STARTTLS (143); never plain
# IMAP, which would send the password in clear. A private server's CA (or its self-signed
# certificate) goes in READINGS_IMAP_CA_FILE.
READINGS_IMAP_STARTTLS = env_bool("READINGS_IMAP_STARTTLS", False)
READINGS_IMAP_PORT = env_int("READINGS_IMAP_PORT", 143 if READINGS_IMAP_STARTTLS else 993)
READINGS_IMAP_CA_FILE = env("READINGS_IMAP_CA_FILE", "")
READINGS_IMAP_USER = env("READINGS_IMAP_USER", "")
READINGS_IMAP_PASSWORD = env("READINGS_IMAP_PASSWORD", "")
READINGS_IMAP_FOLDER = env("READINGS_IMAP_FOLDER", "INBOX")
# SMS gateway: "twilio" (documented in kabinet/meters/inbound/sms.py) or "" (off).
SMS_PROVIDER = env("SMS_PROVIDER", "")
SMS_TWILIO_ACCOUNT_SID = env("SMS_TWILIO_ACCOUNT_SID", "")
SMS_TWILIO_AUTH_TOKEN = env("SMS_TWILIO_AUTH_TOKEN", "")
SMS_TWILIO_FROM = env("SMS_TWILIO_FROM", "")

# --- The Telegram bot (kabinet/telegram): off while TELEGRAM_BOT_TOKEN is unset ---------
TELEGRAM_BOT_TOKEN = env("TELEGRAM_BOT_TOKEN", "")
# Telegram sends it in X-Telegram-Bot-Api-Secret-Token (setWebhook's secret_token).
TELEGRAM_WEBHOOK_SECRET = env("TELEGRAM_WEBHOOK_SECRET", "")
# The bot's username without "@", for the portal's t.me link.
TELEGRAM_BOT_NAME = env("TELEGRAM_BOT_NAME", "")
TELEGRAM_API_URL = env("TELEGRAM_API_URL", "https://api.telegram.org")

# --- Sign-in with an external identity (kabinet/identity, OpenID Connect) -----------------
# OIDC_PROVIDERS: the providers' keys, comma-separated ("bank,google"); empty: off. For each
# key K (upper case, "-" as "_"): OIDC_K_NAME (the button's name), OIDC_K_ISSUER, optional
# OIDC_K_DISCOVERY_URL (default: the issuer's /.well-known/openid-configuration),
# OIDC_K_CLIENT_ID, OIDC_K_CLIENT_SECRET (or OIDC_K_CLIENT_SECRET_FILE), OIDC_K_SCOPES
# (default "openid") and OIDC_K_ACR_VALUES (space-separated: the broker's method or assurance
# level; when set, the ID token's "acr" must be one of them).
# The provider must accept the redirect URI SITE_URL/identity/<key>/callback/.
OIDC_PROVIDERS: dict[str, dict[str, str]] = {}
for _key in env_list("OIDC_PROVIDERS", ""):
    _prefix = "OIDC_" + _key.upper().replace("-", "_") + "_"
    OIDC_PROVIDERS[_key] = {
        "name": env(_prefix + "NAME", _key),
        "issuer": env(_prefix + "ISSUER", ""),
        "discovery_url": env(_prefix + "DISCOVERY_URL", ""),
        "client_id": env(_prefix + "CLIENT_ID", ""),
        "client_secret": env(_prefix + "CLIENT_SECRET", ""),
        "scopes": env(_prefix + "SCOPES", "openid"),
        "acr_values": env(_prefix + "ACR_VALUES", ""),
    }
    if not _key.replace("-", "").isalnum() or not _key.islower():
        raise ImproperlyConfigured(f"OIDC_PROVIDERS: {_key!r} must be lower-case letters, digits and '-'.")
    if not OIDC_PROVIDERS[_key]["client_id"] or not (
        OIDC_PROVIDERS[_key]["issuer"] or OIDC_PROVIDERS[_key]["discovery_url"]
    ):
        raise ImproperlyConfigured(f"OIDC provider {_key!r}: set {_prefix}ISSUER and {_prefix}CLIENT_ID.")

# --- The inspector's round (kabinet/inspection) -------------------------------------------
# A control reading further than this (in the meter's units) from the customer's last
# reading is flagged for staff.
INSPECTION_TOLERANCE = env("INSPECTION_TOLERANCE", "1")
# "next_invoice": staff may accept a flagged control reading as the billing reading (ПП 354
# п. 85: it enters the next invoice through the readings door); "off": flags are only reviewed.
INSPECTION_CONTROL_READING_BILLING = env("INSPECTION_CONTROL_READING_BILLING", "next_invoice")
if INSPECTION_CONTROL_READING_BILLING not in ("off", "next_invoice"):
    raise ImproperlyConfigured("INSPECTION_CONTROL_READING_BILLING must be 'off' or 'next_invoice'.")

# --- Readings by phone: the answering machine (kabinet/ivr) ---------------------------------
# "twilio" (Twilio Voice webhooks under /ivr/twilio/, signed with SMS_TWILIO_AUTH_TOKEN),
# "agi" (Asterisk runs `manage.py ivr_agi`), or "off".
IVR_PROVIDER = env("IVR_PROVIDER", "off")
if IVR_PROVIDER not in ("off", "twilio", "agi"):
    raise ImproperlyConfigured("IVR_PROVIDER must be 'off', 'twilio' or 'agi'.")


def _pairs(items: list[str]) -> dict[str, str]:
    """["ru=ru-RU", "lv=lv-LV"] -> {"ru": "ru-RU", "lv": "lv-LV"}."""
    return dict(item.split("=", 1) for item in items if "=" in item)


# The <Say> language tag and voice of each language (Twilio's Google voices speak all three).
IVR_SAY_LANGUAGES = _pairs(env_list("IVR_SAY_LANGUAGES", "ru=ru-RU,lv=lv-LV,en=en-GB"))
IVR_TWILIO_VOICES = _pairs(
    env_list("IVR_TWILIO_VOICES", "ru=Google.ru-RU-Standard-A,lv=Google.lv-LV-Standard-A,en=Google.en-GB-Standard-A")
)
# Recorded prompts instead of speech synthesis for the fixed sentences: <Play> of
# <IVR_PROMPTS_URL>/<language>/<key>.mp3 (keys in kabinet/ivr/dialogue.py); empty: <Say>.
IVR_PROMPTS_URL = env("IVR_PROMPTS_URL", "")
# Seconds a question waits for the first key.
IVR_GATHER_TIMEOUT = env_int("IVR_GATHER_TIMEOUT", 8)
# Wrong account numbers one caller's number may key in an hour, across calls.
IVR_WRONG_ACCOUNTS_PER_HOUR = env_int("IVR_WRONG_ACCOUNTS_PER_HOUR", 10)
# Calls (with the caller's number) are deleted this many hours after they began.
IVR_SESSION_HOURS = env_int("IVR_SESSION_HOURS", 24)
# Asterisk: the speech application for sentences, and the sounds folder of recorded prompts
# (<folder>/<language>/<key>; empty: every sentence is synthesised).
IVR_AGI_SAY_APP = env("IVR_AGI_SAY_APP", "Espeak")
IVR_AGI_SOUNDS = env("IVR_AGI_SOUNDS", "")
