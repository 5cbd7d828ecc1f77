"""Settings for the disclosure site, read from the environment (see .env.example and the README)."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import (
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    parse_cache_url,
    parse_database_url,
    parse_email_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("SCHEMA_ONLY_COMMAND", False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production mode (DEBUG off) refuses to start without it; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ["http://localhost:8000", "http://127.0.0.1:8000"])

INSTALLED_APPS = [
    "disclosure_site",
    "catalog",
    "requests_app",
    "workplans",
    "annual_reports",
    "disclosure_site.admin_config.DisclosureAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "mptt",
    "django_filters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors' cached public pages are answered here, before sessions and CSRF.
    "catalog.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "disclosure_site.urls"

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
                "disclosure_site.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "disclosure_site.wsgi.application"

DATABASES = {
    "default": parse_database_url(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": parse_cache_url(env_str("CACHE_URL", "locmem://"))}

_email = parse_email_url(env_str("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email.pop("EMAIL_BACKEND")
globals().update(_email)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATE_FORMAT = "Y-m-d"

STATIC_URL = "static/"
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
# Largest attachment accepted (catalog/attachments.py); keep nginx's client_max_body_size above it.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 50) * 1024 * 1024
if ATTACHMENT_MAX_BYTES <= 0:
    raise ImproperlyConfigured("Environment variable ATTACHMENT_MAX_MB must be a positive number of megabytes.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# On-request disclosure (requests_app/ratelimit.py): counters live in the cache above, so with Redis
# every app server sees the same counts. Past REQUEST_RATE_LIMIT stored applications from one address
# in REQUEST_RATE_WINDOW seconds, the form asks an arithmetic question instead of refusing.
# A status lookup is refused for REQUEST_LOOKUP_WINDOW seconds after REQUEST_LOOKUP_LIMIT_PER_IP wrong
# answers from one address, or REQUEST_LOOKUP_LIMIT_PER_NUMBER wrong answers for one application number.
REQUEST_RATE_LIMIT = env_int("REQUEST_RATE_LIMIT", 5)
REQUEST_RATE_WINDOW = env_int("REQUEST_RATE_WINDOW", 60 * 60)
REQUEST_LOOKUP_LIMIT_PER_IP = env_int("REQUEST_LOOKUP_LIMIT_PER_IP", 20)
REQUEST_LOOKUP_LIMIT_PER_NUMBER = env_int("REQUEST_LOOKUP_LIMIT_PER_NUMBER", 5)
REQUEST_LOOKUP_WINDOW = env_int("REQUEST_LOOKUP_WINDOW", 15 * 60)
for _name in (
    "REQUEST_RATE_LIMIT",
    "REQUEST_RATE_WINDOW",
    "REQUEST_LOOKUP_LIMIT_PER_IP",
    "REQUEST_LOOKUP_LIMIT_PER_NUMBER",
    "REQUEST_LOOKUP_WINDOW",
):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"Environment variable {_name} must be a positive integer.")
# How many proxies (nginx, a load balancer) append to X-Forwarded-For in front of the app servers; 0 when
# gunicorn faces the visitors. The rate limits count the address that many entries from the right: with
# the wrong number, every visitor shares the proxy's address (too many) or can forge their own (too few).
RATE_LIMIT_PROXY_COUNT = env_int("RATE_LIMIT_PROXY_COUNT", 0)
if RATE_LIMIT_PROXY_COUNT < 0:
    raise ImproperlyConfigured("Environment variable RATE_LIMIT_PROXY_COUNT must be 0 or a positive integer.")

# Name shown in the public header when no organization has been created yet.
SITE_NAME = env_str("SITE_NAME", "政府信息公开")

# Security. A TLS-terminating proxy (nginx) in front of gunicorn is the expected deployment;
# SECURE_PROXY_SSL_HEADER tells Django to trust its X-Forwarded-Proto header.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Server-error reports never show applicants' personal data (POST values, frame variables).
DEFAULT_EXCEPTION_REPORTER_FILTER = "disclosure_site.reporting.PersonalDataFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- hostile ---
# Content-Security-Policy (no inline scripts) and Permissions-Policy on every response, right after
# SecurityMiddleware so that pages answered from the public page cache carry them too; then a 400 page
# for a NUL character in the URL, which PostgreSQL text cannot hold (disclosure_site/security_headers.py).
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE[_after_security:_after_security] = [
    "disclosure_site.security_headers.SecurityHeadersMiddleware",
    "disclosure_site.security_headers.RefuseNulBytesMiddleware",
]

# --- retention ---
# Applicants' personal data stays REQUEST_RETENTION_YEARS after an application ended (answered, withdrawn,
# deemed abandoned), then `manage.py anonymize_requests` overwrites it (requests_app/retention.py).
REQUEST_RETENTION_YEARS = env_int("REQUEST_RETENTION_YEARS", 10)
if REQUEST_RETENTION_YEARS <= 0:
    raise ImproperlyConfigured("Environment variable REQUEST_RETENTION_YEARS must be a positive number of years.")
# Error reports and logs mask the values a database error quotes (disclosure_site/reporting.py), and SQL
# with its parameters is never logged, whatever LOG_LEVEL says.
DEFAULT_EXCEPTION_REPORTER = "disclosure_site.reporting.PersonalDataReporter"
LOGGING.setdefault("filters", {})["personal_data"] = {"()": "disclosure_site.reporting.PersonalDataLogFilter"}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", []).append("personal_data")
LOGGING.setdefault("loggers", {}).setdefault("django.db.backends", {"level": "INFO"})

# --- faults ---
# Database outage: a 503 page (系统维护中, Retry-After) instead of a 500, first so that it also covers the
# session and authentication middleware (disclosure_site/faults.py). A connection that failed is replaced
# at the next request; a reused one is checked first (CONN_HEALTH_CHECKS); connecting gives up after
# DATABASE_CONNECT_TIMEOUT seconds so an unreachable server does not hold every worker.
MIDDLEWARE.insert(0, "disclosure_site.faults.DatabaseUnavailableMiddleware")
SERVICE_UNAVAILABLE_RETRY_AFTER = env_int("SERVICE_UNAVAILABLE_RETRY_AFTER", 30)
if SERVICE_UNAVAILABLE_RETRY_AFTER <= 0:
    raise ImproperlyConfigured(
        "Environment variable SERVICE_UNAVAILABLE_RETRY_AFTER must be a positive number of seconds."
    )
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)
if DATABASE_CONNECT_TIMEOUT <= 0:
    raise ImproperlyConfigured("Environment variable DATABASE_CONNECT_TIMEOUT must be a positive number of seconds.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
# Search on PostgreSQL counts the matches on a second connection while the page is read
# (catalog/search/parallel.py): one more connection per worker process.
SEARCH_SIDE_CONNECTION = env_bool("SEARCH_SIDE_CONNECTION", True)
# Uploads: a disk-full or permission error leaves no partial file and shows a Chinese message.
STORAGES["default"] = {"BACKEND": "disclosure_site.faults.SafeFileSystemStorage"}

# --- login ---
# Staff login hardening (disclosure_site/login_security.py, totp.py). LOGIN_FAILURE_LIMIT failed logins for
# one username, or LOGIN_FAILURE_LIMIT_PER_IP from one address (counted as RATE_LIMIT_PROXY_COUNT says),
# within LOGIN_FAILURE_WINDOW seconds lock logins for LOGIN_LOCKOUT_SECONDS, right password or not.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_IP = env_int("LOGIN_FAILURE_LIMIT_PER_IP", 20)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# A logged-in session ends after this many seconds without a request, and SESSION_COOKIE_AGE after login
# however busy it was (StaffSessionTimeoutMiddleware).
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 30 * 60)
for _name in (
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_FAILURE_LIMIT_PER_IP",
    "LOGIN_FAILURE_WINDOW",
    "LOGIN_LOCKOUT_SECONDS",
    "STAFF_SESSION_IDLE_SECONDS",
    "SESSION_COOKIE_AGE",
):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"Environment variable {_name} must be a positive integer.")
# On: every staff member must enrol an authenticator app (TOTP) before using the back office.
STAFF_TOTP_REQUIRED = env_bool("STAFF_TOTP_REQUIRED", False)
AUTH_PASSWORD_VALIDATORS.append(
    {"NAME": "disclosure_site.login_security.CharacterClassValidator", "OPTIONS": {"min_classes": 3}}
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "disclosure_site.login_security.StaffSessionTimeoutMiddleware",
)

# --- inspection ---
# The website inspection checks (政府网站检查指标): `manage.py inspect_site` and a panel on the back-office
# home page (inspection/checks.py). It reads the other apps; none of them imports it.
INSTALLED_APPS.insert(INSTALLED_APPS.index("annual_reports") + 1, "inspection")
