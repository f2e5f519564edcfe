"""CloudRoute settings: one module, driven by environment variables.

With nothing set you get the embedded defaults for a laptop: SQLite, Celery tasks run
inline, e-mail printed to the console, DEBUG on. Set DATABASE_URL (PostgreSQL) and
REDIS_URL to run the real topology; set DEBUG=false for production, which turns on the
HTTPS and cookie hardening that `manage.py check --deploy` asks for.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.management.utils import get_random_secret_key
from django.utils.csp import CSP

from cloudroute.observability.logs import logging_config
from cloudroute.observability.sentry import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)
# No key in the repository: production must set SECRET_KEY; a laptop run without one
# gets a throwaway key (sessions and sign-in links then last until the process exits).
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    get_random_secret_key() if DEBUG else env.str("SECRET_KEY")
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The base of the links in e-mails. Unset (or empty), it follows PORT, which `make run PORT=N`
# passes on, so a laptop's links point at the port runserver listens on.
SITE_URL = env.str("SITE_URL", default="") or f"http://127.0.0.1:{env.int('PORT', default=8000)}"

INSTALLED_APPS = [
    # django.contrib.admin, with our two-factor admin site as `admin.site`.
    "cloudroute.admin_config.CloudRouteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_countries",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cloudroute",
    "workloads",
    "credits",
    "matching",
    "api",
    "portal",
    "founders",
    "axes",
]

MIDDLEWARE = [
    # First: the request id and the latency cover every response, redirects and errors too.
    "cloudroute.observability.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so every response (lockouts and errors too) carries the policy (see Security).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): passed the second sign-in step (matching/twofactor.py).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The sign-in forms (site, portal, admin) share the API's `auth` rate per client.
    "cloudroute.signin_throttle.SignInThrottleMiddleware",
    # Last: turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cloudroute.urls"
WSGI_APPLICATION = "cloudroute.wsgi.application"
ASGI_APPLICATION = "cloudroute.asgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL: server-side binding (psycopg's Cursor, not its ClientCursor). The parameters
# travel apart from the SQL, and a statement run 5 times on one connection is prepared there,
# so PostgreSQL stops parsing and planning it: most of its time on the API's reads
# (docs/performance.md, issue 19). Not behind a transaction-mode pgbouncer, whose connections
# do not keep a client's prepared statements; set DATABASE_SERVER_SIDE_BINDING=false there.
if "postgresql" in DATABASES["default"]["ENGINE"] and env.bool(
    "DATABASE_SERVER_SIDE_BINDING", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        # Django turns psycopg's prepared statements off; psycopg's default threshold.
        prepare_threshold=env.int("DATABASE_PREPARE_THRESHOLD", default=5),
    )
# DATABASE_POOL=true (PostgreSQL only; the compose file sets it for web): each process borrows
# connections from a psycopg pool of DATABASE_POOL_MAX_SIZE (one per gunicorn thread) instead of
# keeping one per thread for CONN_MAX_AGE, which Django then needs at 0. See README, "Pooling".
if env.bool("DATABASE_POOL", default=False) and "postgresql" in DATABASES["default"]["ENGINE"]:
    from psycopg_pool import ConnectionPool

    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
        # Seconds a request waits for a free connection before it fails.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        # A connection the server dropped (restart, failover) is replaced, not handed out.
        "check": ConnectionPool.check_connection,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cloudroute.User"
# django-axes: after AXES_FAILURE_LIMIT failed sign-ins for one e-mail from one address, that
# pair is locked out for AXES_COOLOFF_TIME hours (forms, the admin and the API token alike).
# LockoutBackend (axes') only checks the lockout; AccountBackend (Django's
# ModelBackend) checks passwords. Both refuse the demo logins whenever DEBUG is off.
AUTHENTICATION_BACKENDS = [
    "cloudroute.auth.LockoutBackend",
    "cloudroute.auth.AccountBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Our sign-in forms post the e-mail as "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
# The client address of the throttles (NUM_PROXIES), not the proxy's.
AXES_CLIENT_IP_CALLABLE = "core.throttling.client_ip"
# Two-factor sign-in (django-otp; matching/twofactor.py): operators and partner firm admins
# type a code from an authenticator app (or a one-time recovery code) after the password.
# Required unless DEBUG, so `make run`'s demo logins stay one step. Read per request.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "CloudRoute"
# The admin never shows a device's key or recovery codes (a read-only operator could copy them).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The countries a founder can choose are the ones ACE files (its CountryCode enum): ACE leaves
# out KP; tests/workloads/test_choices.py holds the rest of the list to botocore's model.
COUNTRIES_OVERRIDE = {"KP": None}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Sign-in links e-mailed to founders: signed, single use, valid this long.
SIGNIN_LINK_MAX_AGE = env.int("SIGNIN_LINK_MAX_AGE", default=int(timedelta(days=2).total_seconds()))
# How long the e-mailed "confirm your intake" link works, and how many founder e-mails
# (confirmations, sign-in links) one address gets per hour, whoever asks.
INTAKE_CONFIRM_MAX_AGE = env.int(
    "INTAKE_CONFIRM_MAX_AGE", default=int(timedelta(days=7).total_seconds())
)
FOUNDER_EMAILS_PER_HOUR = env.int("FOUNDER_EMAILS_PER_HOUR", default=5)
# Seconds an API token (POST /api/v1/auth/token/) works; signing out revokes it sooner.
API_TOKEN_TTL = env.int("API_TOKEN_TTL", default=int(timedelta(hours=24).total_seconds()))
# Seconds an Idempotency-Key's response is replayed to its client; then it is purged.
IDEMPOTENCY_KEY_TTL = env.int(
    "IDEMPOTENCY_KEY_TTL", default=int(timedelta(hours=24).total_seconds())
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Redis: Celery broker and cache (optional) ---------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# A hung Redis must fail a request fast, not hang it.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
# Where the Bedrock catalog is read (the Price List is always read in us-east-1). AWS
# credentials come from boto3's usual chain; without any, the catalog refresh skips.
AWS_REGION = env.str("AWS_REGION", default="us-east-1")
# CloudRoute's own AWS account: the principal a founder's billing role trusts (the /my/
# "Connect your AWS bill" card puts it in the trust policy). The zeros are a placeholder.
CLOUDROUTE_AWS_ACCOUNT_ID = env.str("CLOUDROUTE_AWS_ACCOUNT_ID", default="000000000000")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery (settings read by cloudroute/celery.py with the CELERY_ namespace).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# The queue `.delay()` publishes to (and a worker without -Q consumes): one per environment
# sharing a Redis; the integration tests give each worker its own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    # Longer than the hard time limit, so a late-acked task is not redelivered while it runs.
    "visibility_timeout": 3600,
    # Publishing gives up fast; the sweeper re-enqueues what never made it.
    "max_retries": 1,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Installed into django-celery-beat's tables when beat starts; operators can tune them there.
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-intakes": {"task": "matching.sweep_pending_intakes", "schedule": 60.0},
    "purge-unconfirmed-intakes": {
        "task": "matching.purge_unconfirmed_intakes",
        "schedule": 24 * 60 * 60.0,
    },
    "sweep-missing-commissions": {
        "task": "matching.sweep_missing_commissions",
        "schedule": 10 * 60.0,
    },
    "expire-unanswered-leads": {"task": "matching.expire_leads", "schedule": 60.0},
    "retry-webhooks": {"task": "matching.retry_webhooks", "schedule": 60.0},
    "purge-idempotency-keys": {
        "task": "matching.purge_idempotency_keys",
        "schedule": 60 * 60.0,
    },
    "sync-ace-opportunities": {"task": "matching.sync_ace", "schedule": 15 * 60.0},
    "remind-revetting": {
        "task": "matching.remind_revetting",
        "schedule": crontab(hour=7, minute=3),
    },
    "refresh-bedrock-catalog": {
        "task": "workloads.refresh_catalog",
        "schedule": crontab(hour=5, minute=17),
    },
    "reproject-workloads": {
        "task": "workloads.reproject_all",
        "schedule": crontab(hour=5, minute=47),  # after refresh-bedrock-catalog
    },
    "refresh-outcomes": {
        "task": "credits.refresh_all_outcomes",
        "schedule": crontab(hour=6, minute=7),
    },
    "import-spend-actuals": {
        "task": "credits.import_spend_actuals",
        "schedule": crontab(hour=4, minute=23),
    },
    "refresh-inference-profiles": {
        "task": "workloads.refresh_inference_profiles",
        "schedule": crontab(hour=5, minute=27),
    },
    "import-bedrock-usage": {
        "task": "credits.import_bedrock_usage",
        "schedule": crontab(hour=4, minute=53),  # yesterday's CloudWatch day is complete
    },
}

# --- E-mail ----------------------------------------------------------------------
# The console backend prints sign-in links: only on a laptop. Production sends over SMTP
# (EMAIL_URL) unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CloudRoute <hello@cloudroute.test>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- API -----------------------------------------------------------------------
# How many proxies sit in front of gunicorn (0: clients connect to it directly).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.tokens.ExpiringTokenAuthentication",  # API_TOKEN_TTL
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the bodies nest (company, workload, prices), which form encodings cannot
    # carry, and a form's strings would slip past the types the schema promises.
    # core.parsers: DRF's JSON parser with a nesting limit (deep bodies are a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/minute"),
        "intake": env.str("THROTTLE_INTAKE", default="20/hour"),
        "estimate": env.str("THROTTLE_ESTIMATE", default="120/minute"),
        "eligibility": env.str("THROTTLE_ELIGIBILITY", default="60/minute"),
        "auth": env.str("THROTTLE_AUTH", default="10/minute"),
    },
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # How many proxies sit in front of gunicorn. 0: throttles key on REMOTE_ADDR and ignore a
    # client's X-Forwarded-For, which anyone could forge to dodge the anonymous rate limits.
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CloudRoute API",
    "DESCRIPTION": "Intake, credit eligibility, spend estimates and partner routing.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Intakes and partner leads both have a `status`: name each enum explicitly.
    "ENUM_NAME_OVERRIDES": {
        "IntakeStatusEnum": "matching.models.IntakeStatus",
        "LeadStatusEnum": "matching.models.LeadStatus",
        "ApplicationStatusEnum": "credits.models.ApplicationStatus",
        "WebhookEventEnum": "matching.models.WebhookEvent",
        "EndpointEnum": "workloads.spend.ENDPOINTS",
    },
}

# --- Security (production: DEBUG=false) -------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Trust X-Forwarded-Proto only from a proxy we know is there; a client could forge it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if NUM_PROXIES else None
# Load balancer probes speak plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/db$", r"^metrics$"]
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (Django's own middleware): our pages load scripts and styles only
# from our static files, never inline, so an injected <script> or style="" does not run.
# Enforced in production. With DEBUG on it is report-only: a laptop run keeps working with
# dev tools that inject inline code (live reload, extensions) while every violation still
# shows in the browser console; the e2e tests enforce the production policy.
CLOUDROUTE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CSP = {} if DEBUG else CLOUDROUTE_CSP
SECURE_CSP_REPORT_ONLY = CLOUDROUTE_CSP if DEBUG else {}

# --- Logs, errors, metrics (cloudroute/observability/) --------------------------------
# One line per record on stderr: JSON (production) or coloured key=value (DEBUG), with the
# time, level, logger, request id and user id. The Celery worker logs through it too.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)
# Sentry (Django and Celery integrations) only when a DSN is set; no personal data.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
sentry_init(
    dsn=SENTRY_DSN,
    environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
    release=env.str("SENTRY_RELEASE", default=""),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)
# GET /metrics answers `Authorization: Bearer <METRICS_TOKEN>` only (unset: open with DEBUG
# on, a 404 with DEBUG off). PROMETHEUS_MULTIPROC_DIR, read by prometheus-client itself, sums
# the gunicorn workers' samples (cloudroute/observability/metrics.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
