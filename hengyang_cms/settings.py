"""Settings for the Hengyang Daily CMS.

One module; the environment decides. A laptop and production differ only in
DJANGO_DEBUG, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL (see .env.example).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def development_secret_key() -> str:
    """A per-checkout key for local runs, kept under var/ so sessions survive a restart."""
    key_file = VAR_DIR / "dev-secret-key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = "django-insecure-" + secrets.token_urlsafe(48)
        key_file.write_text(key)
        return key


# Debug is opt-in: a deployment that forgets the variable gets production settings.
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = development_secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "clusters",
    "articles",
    "search",
    "reversion",
    "axes",
    "csp",
    "corsheaders",
    "api",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hengyang_cms.urls"
WSGI_APPLICATION = "hengyang_cms.wsgi.application"

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

# No DATABASE_URL means the embedded SQLite database under var/.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and a writer work at once; the timeout rides out short write locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    # Fails open: with Redis down pages are served from the database (hengyang_cms/cache.py).
    _redis_timeout = float(os.environ.get("DJANGO_REDIS_TIMEOUT", "0.25"))
    CACHES = {
        "default": {
            "BACKEND": "hengyang_cms.cache.FailOpenRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "hengyang",
            "OPTIONS": {"socket_connect_timeout": _redis_timeout, "socket_timeout": _redis_timeout},
        }
    }
else:
    # Per process: list counts, the home and cluster pages for a minute, rate-limit windows (one
    # per reader address). Article pages are not here (stored renderings, articles.site.page_memory).
    # 5,000 small entries, a few MB; Django's default of 300 would drop the rate-limit windows of a
    # busy minute.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("DJANGO_LOCAL_CACHE_ENTRIES", "5000"))},
        }
    }

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

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "hengyang_cms.storage.StaticFilesStorage"
        if not DEBUG and env_bool("DJANGO_MANIFEST_STATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Photos: uploads are refused above these limits (see articles/photos/images.py and the README).
PHOTO_MAX_UPLOAD_BYTES = int(os.environ.get("DJANGO_PHOTO_MAX_UPLOAD_BYTES", str(40 * 1024 * 1024)))
PHOTO_MAX_PIXELS = int(os.environ.get("DJANGO_PHOTO_MAX_PIXELS", "64000000"))
# Django serves var/media/ itself only when asked (development, `make run`); in production the web
# server or the bucket does.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", DEBUG)
# Media on S3-compatible storage (django-storages) when a bucket is named; no S3 is needed otherwise.
if os.environ.get("DJANGO_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DJANGO_S3_BUCKET"],
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("DJANGO_S3_SECRET_ACCESS_KEY") or None,
            "custom_domain": os.environ.get("DJANGO_S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("DJANGO_S3_PREFIX", "media"),
            "default_acl": None,  # the bucket's policy decides who reads
            "querystring_auth": env_bool("DJANGO_S3_SIGNED_URLS", False),
            "file_overwrite": False,
            # Masters and renditions get new names when they change, so caches may keep them.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    if os.environ.get("DJANGO_S3_CUSTOM_DOMAIN"):
        MEDIA_URL = f"https://{os.environ['DJANGO_S3_CUSTOM_DOMAIN']}/{STORAGES['default']['OPTIONS']['location']}/"
    SERVE_MEDIA = False

# Tests and `runserver --insecure` serve static files without a prior collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TAGGIT_CASE_INSENSITIVE = True

# Production safety: everything below is on unless debugging; the HTTPS redirect can be
# switched off where TLS ends at a proxy (or for a local run over plain http).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LOGIN_URL = "admin:login"

# Failed logins (django-axes): after AXES_FAILURE_LIMIT failures for the same user name from the
# same address, that pair is locked out for an hour and sees templates/admin/lockout.html.
AUTHENTICATION_BACKENDS = [
    "hengyang_cms.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "hengyang_cms.auth.lockout_response"
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("DJANGO_BEHIND_PROXY", False) else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if env_bool("DJANGO_BEHIND_PROXY", False) else ["REMOTE_ADDR"]
)

# Content-Security-Policy (django-csp 4): only our own scripts, styles and images; nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage":
    # Photos come from the bucket (or the CDN in front of it), not from this site.
    _s3 = STORAGES["default"]["OPTIONS"]
    if _s3["custom_domain"]:
        _media_sources = [f"https://{_s3['custom_domain']}"]
    elif _s3["endpoint_url"]:
        _host = _s3["endpoint_url"].split("://", 1)[-1].split("/", 1)[0]
        _media_sources = [f"https://{_host}", f"https://*.{_host}"]  # path- or virtual-hosted-style
    else:
        _media_sources = ["https://*.amazonaws.com"]
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += _media_sources

# Editorial workflow (articles/workflow/policy.py): review levels before an article may be published —
# 初审, 复审, 终审. Web-only pieces (no page in the paper) may be configured to need fewer.
ARTICLE_REVIEW_LEVELS = int(os.environ.get("ARTICLE_REVIEW_LEVELS", "3"))
ARTICLE_REVIEW_LEVELS_WEB_ONLY = int(os.environ.get("ARTICLE_REVIEW_LEVELS_WEB_ONLY", str(ARTICLE_REVIEW_LEVELS)))

# Dates from any input (import files, admin forms, admin list filters) must fall between the first
# issue and a few years ahead (articles.models.implausible_date).
ARTICLE_EARLIEST_DATE = os.environ.get("ARTICLE_EARLIEST_DATE", "1949-01-01")
ARTICLE_LATEST_YEARS_AHEAD = int(os.environ.get("ARTICLE_LATEST_YEARS_AHEAD", "5"))
# What one article may hold (articles.models.ARTICLE_LIMITS), checked by the importer and the admin.
ARTICLE_MAX_SECTIONS = int(os.environ.get("ARTICLE_MAX_SECTIONS", "200"))
ARTICLE_MAX_PARAGRAPHS = int(os.environ.get("ARTICLE_MAX_PARAGRAPHS", "2000"))
ARTICLE_MAX_CREDITS = int(os.environ.get("ARTICLE_MAX_CREDITS", "100"))
ARTICLE_MAX_CHARACTERS = int(os.environ.get("ARTICLE_MAX_CHARACTERS", "200000"))
ARTICLE_MAX_PHOTOS = int(os.environ.get("ARTICLE_MAX_PHOTOS", "100"))
# An article at those limits is one admin form of about 3,300 fields (8 per section, 7 per credit,
# 9 per photo); Django's default of 1,000 would refuse it.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000
# A NUL character in an admin URL or form answers 400 (PostgreSQL cannot compare text holding one);
# before django-axes, which stays last.
MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "articles.admin.guards.AdminInputGuard")

# Public lists (home, cluster, commentator, tag pages) page this deep and count this far, no
# further: an OFFSET page or a count costs what lies before it (articles/listing.py). Older
# articles are found through the archive search, which the last page links to.
LIST_MAX_PAGES = int(os.environ.get("DJANGO_LIST_MAX_PAGES", "100"))

# Archive search (search/ratelimit.py, search/views.py; see the README's "Archive search").
# Behind a proxy the client's address is the first in X-Forwarded-For (the proxy must set it).
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
# Readers' searches and exports per address: "N/s", "N/m", "N/h" or "N/SECONDS"; empty: no limit.
# Off when debugging (development and the test suite) unless set; staff are never limited.
SEARCH_RATE_LIMIT = os.environ.get("DJANGO_SEARCH_RATE_LIMIT", "" if DEBUG else "30/m")
SEARCH_EXPORT_RATE_LIMIT = os.environ.get("DJANGO_SEARCH_EXPORT_RATE_LIMIT", "" if DEBUG else "5/m")
# Readers' exports (CSV, JSON Lines) stop after this many rows, with a note pointing to /api/v1/.
SEARCH_EXPORT_MAX_ROWS = int(os.environ.get("DJANGO_SEARCH_EXPORT_MAX_ROWS", "1000"))

# Production (README: "Deploy on a Debian server", "Scaling out"; deploy/, docs/scaling.md).
# PostgreSQL connections give up after a few seconds, so a database that does not answer makes
# requests fail fast with the 503 page (hengyang_cms/unavailable.py) instead of holding workers.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT", "3")))
    # No JIT compilation: the site's queries are short, and compiling cost more than running the
    # few that pass its cost threshold (a quarter of a second of a sitemap file's half second at
    # a million articles). DJANGO_DB_JIT=1 leaves the server's setting.
    if not env_bool("DJANGO_DB_JIT", False):
        _options = DATABASES["default"]["OPTIONS"].get("options", "")
        if "jit" not in _options:
            DATABASES["default"]["OPTIONS"]["options"] = f"{_options} -c jit=off".strip()
# Read replicas (hengyang_cms/db_router.py): anonymous readers' reads go to them. In tests each is
# a mirror of the primary's test database.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _alias = f"replica_{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES[_alias].setdefault("OPTIONS", {})
    if DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES[_alias]["OPTIONS"].setdefault(
            "connect_timeout", int(os.environ.get("DJANGO_REPLICA_CONNECT_TIMEOUT", "1"))
        )
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
# Off only where a test mirror cannot see the test's own transaction (pyproject's pytest env).
DATABASE_REPLICA_READS = env_bool("DJANGO_REPLICA_READS", True)
DATABASE_REPLICA_PIN_SECONDS = float(os.environ.get("DJANGO_REPLICA_PIN_SECONDS", "3"))
DATABASE_REPLICA_RETRY_SECONDS = float(os.environ.get("DJANGO_REPLICA_RETRY_SECONDS", "10"))
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["hengyang_cms.db_router.ReplicaRouter"]
# Where collectstatic writes (nginx serves it): var/static/ unless set.
if os.environ.get("DJANGO_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["DJANGO_STATIC_ROOT"])
# Media written whole or not at all (a full disk leaves no partial file).
if STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
    STORAGES["default"]["BACKEND"] = "hengyang_cms.storage.MediaStorage"
# Public pages compressed by the app when no proxy does it, never a page holding a secret
# (hengyang_cms/compression.py). Behind nginx, nginx compresses.
COMPRESS_RESPONSES = env_bool("DJANGO_COMPRESS_RESPONSES", not BEHIND_PROXY)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "hengyang_cms.compression.CompressionMiddleware",
)
# A database outage answers 503, a full media disk 507 (hengyang_cms/unavailable.py); the replica
# middleware, after it, retries a failed replica read on the primary first.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "hengyang_cms.unavailable.ServiceUnavailableMiddleware",
)
if DATABASE_REPLICAS:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "hengyang_cms.db_router.ReplicaReadsMiddleware",
    )

# Public pages kept in each process's memory until PostgreSQL announces a committed change to
# what they show (articles/site/page_memory.py, hengyang_cms/changes.py). Needs a session of its
# own per process (LISTEN): off behind a pooler in transaction mode. Off in the test suite, whose
# transactions never commit, except in the tests of the memory itself.
PAGE_MEMORY = env_bool("DJANGO_PAGE_MEMORY", True)
PAGE_MEMORY_MB = int(os.environ.get("DJANGO_PAGE_MEMORY_MB", "64"))
# First: a kept page is the finished response, every other middleware's headers included.
MIDDLEWARE.insert(0, "articles.site.page_memory.PageMemoryMiddleware")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# The read API (/api/v1/, the api app; see the README's "Read API"). CORS is open for reading,
# on /api/ only: any site may fetch the public data from a browser; no cookies are involved
# (the API reads tokens, never sessions). Before CommonMiddleware, as django-cors-headers asks.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware"), "corsheaders.middleware.CorsMiddleware"
)
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "if-modified-since", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After", "Link"]
CORS_PREFLIGHT_MAX_AGE = 86400
# Anonymous clients' requests per address, as SEARCH_RATE_LIMIT ("N/s", "N/m", "N/h" or
# "N/SECONDS"; empty: no limit); off when debugging unless set. Token requests are not limited.
API_RATE_LIMIT = os.environ.get("DJANGO_API_RATE_LIMIT", "" if DEBUG else "120/m")
# Items per page of a list: the default and the most a client may ask for (limit=).
API_PAGE_SIZE = int(os.environ.get("DJANGO_API_PAGE_SIZE", "20"))
API_MAX_PAGE_SIZE = int(os.environ.get("DJANGO_API_MAX_PAGE_SIZE", "100"))
