"""Settings, all from the environment so one build runs as demo, test or production.

DATABASE_URL selects the database (default: a SQLite file under var/). Production
(FAMILYVIEW_ENV=production) sets FAMILYVIEW_SECRET_KEY, FAMILYVIEW_SECOND_FACTOR_KEY and
FAMILYVIEW_ALLOWED_HOSTS, and refuses to start without them or with debug pages or
insecure cookies (familyview/production.py); docs/deploying.md has the checklist.
"""

import math
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from familyview import production

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
# Set but empty is unset: an empty path is the current folder, wherever a command ran.
VAR_DIR = Path(os.environ.get("FAMILYVIEW_VAR_DIR") or PROJECT_DIR / "var")
# Where `familyview link` keeps every record's features between runs (identity/feature_store.py):
# unset, in this database's own folder, $FAMILYVIEW_VAR_DIR/<database name>/linkage/.
LINKAGE_STORE_DIR = os.environ.get("FAMILYVIEW_LINKAGE_STORE") or None


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(
    name: str, default: str, *, whole: bool = True, least: float | None = None, above: float = 0
) -> int | float:
    """A number from the environment: at least `least` when given, else more than `above`.
    Anything else is refused in one sentence naming the variable, not a traceback."""
    value = os.environ.get(name) or default  # set but empty: the default, as unset
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        number = None
    if (
        number is None
        or not math.isfinite(number)
        or (least is not None and number < least)
        or (least is None and number <= above)
    ):
        kind = "a whole number" if whole else "a number"
        bound = f"{least:g} or more" if least is not None else f"more than {above:g}"
        raise production.SettingRefused(f"{name} is {value!r}: it should be {kind}, {bound}.")
    return number


# `production` refuses to start when configured into danger (familyview/production.py).
PRODUCTION = os.environ.get("FAMILYVIEW_ENV", "local") == "production"
DEBUG = _flag("FAMILYVIEW_DEBUG", False)
# Local demo and tests only: a fixed, published key is harmless where nothing real is
# held; production refuses it (below).
SECRET_KEY = os.environ.get("FAMILYVIEW_SECRET_KEY", "") or production.LOCAL_SECRET_KEY

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("FAMILYVIEW_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Trigram look-ups for person search, on PostgreSQL.
    "django.contrib.postgres",
    "familyview.access",
    "familyview.audit",
    "familyview.families",
    "familyview.identity",
    "familyview.involvements",
    "familyview.privacy",
    "familyview.sources",
    "familyview.synth",
    # The steps that span the domain apps, and their commands (ingest, link, families).
    "familyview.pipeline",
    # Across council borders: the neighbouring deployments asked and answered (docs/peers.md).
    "familyview.peers",
    "familyview.web",
    "familyview.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "familyview.permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "familyview.control_characters.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "familyview.web.middleware.SessionLimitsMiddleware",
    "familyview.api.middleware.ApiMiddleware",
    "familyview.web.middleware.SignInRequiredMiddleware",
    "familyview.web.permissions.AccessRuleMiddleware",
]

ROOT_URLCONF = "familyview.urls"
WSGI_APPLICATION = "familyview.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "familyview.web.jinja.environment",
            "autoescape": True,
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'familyview.sqlite3'}"),
        conn_max_age=_number("FAMILYVIEW_DB_CONN_MAX_AGE", "60", least=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web pages read while an import writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not memory, so that tests can run real `familyview` processes against it.
    # One per test process, so that two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-familyview-{os.getpid()}.sqlite3")}
else:
    # One test database per test process here too: two runs never share one.
    DATABASES["default"]["TEST"] = {"NAME": f"test_familyview_{os.getpid()}"}
    if _flag("FAMILYVIEW_DB_PREPARED", True):
        # Parameters travel apart from the SQL, so that PostgreSQL keeps the plan of a
        # statement a connection runs again and again (psycopg prepares it at the fifth
        # time): planning the family view's joins cost PostgreSQL more than running them.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # NCSC: length over complexity rules, and no commonly used passwords.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "familyview.access.passwords.MaximumLengthValidator"},
]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"

# Sign-in and sessions (docs/sign-in.md). Production serves HTTPS and turns secure
# cookies on (the default when FAMILYVIEW_ENV=production); they then carry the __Host-
# prefix, which browsers only accept over HTTPS, for this host, on every path.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES_ASKED = _flag("FAMILYVIEW_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = not DEBUG and SECURE_COOKIES_ASKED
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-familyview-session"
    CSRF_COOKIE_NAME = "__Host-familyview-csrf"
FAMILYVIEW_SESSION_IDLE_TIMEOUT = timedelta(
    minutes=_number("FAMILYVIEW_SESSION_IDLE_MINUTES", "30", whole=False)
)
FAMILYVIEW_SESSION_ABSOLUTE_TIMEOUT = timedelta(
    hours=_number("FAMILYVIEW_SESSION_MAX_HOURS", "10", whole=False)
)
SESSION_COOKIE_AGE = int(FAMILYVIEW_SESSION_ABSOLUTE_TIMEOUT.total_seconds())
# Guessing: this many failed passwords or codes within the window lock a username, or an
# address (an office shares one, hence more), for the lockout period.
FAMILYVIEW_SIGN_IN_USERNAME_LIMIT = _number("FAMILYVIEW_SIGN_IN_USERNAME_LIMIT", "5", least=1)
FAMILYVIEW_SIGN_IN_ADDRESS_LIMIT = _number("FAMILYVIEW_SIGN_IN_ADDRESS_LIMIT", "50", least=1)
FAMILYVIEW_SIGN_IN_WINDOW = timedelta(minutes=15)
FAMILYVIEW_SIGN_IN_LOCKOUT = timedelta(
    minutes=_number("FAMILYVIEW_SIGN_IN_LOCKOUT_MINUTES", "15", whole=False)
)
# How many reverse proxies stand in front (the client is then read from X-Forwarded-For).
FAMILYVIEW_TRUSTED_PROXIES = _number("FAMILYVIEW_TRUSTED_PROXIES", "0", least=0)
# Local accounts (password and authenticator app); a council on single sign-on may turn
# them off.
FAMILYVIEW_LOCAL_SIGN_IN = _flag("FAMILYVIEW_LOCAL_SIGN_IN", True)
# Encrypts second-factor secrets; a Fernet key kept outside the database. Without it, a
# key is derived from FAMILYVIEW_SECRET_KEY (changing that then needs every app set up again).
FAMILYVIEW_SECOND_FACTOR_KEY = os.environ.get("FAMILYVIEW_SECOND_FACTOR_KEY", "")
# Single sign-on (OpenID Connect, e.g. Microsoft Entra ID); off without an issuer.
FAMILYVIEW_OIDC_ISSUER = os.environ.get("FAMILYVIEW_OIDC_ISSUER", "")
FAMILYVIEW_OIDC_CLIENT_ID = os.environ.get("FAMILYVIEW_OIDC_CLIENT_ID", "")
FAMILYVIEW_OIDC_CLIENT_SECRET = os.environ.get("FAMILYVIEW_OIDC_CLIENT_SECRET", "")
FAMILYVIEW_OIDC_REDIRECT_URI = os.environ.get("FAMILYVIEW_OIDC_REDIRECT_URI", "")
FAMILYVIEW_OIDC_BUTTON_TEXT = os.environ.get(
    "FAMILYVIEW_OIDC_BUTTON_TEXT", "Sign in with your council account"
)
FAMILYVIEW_OIDC_TEAM_CLAIM = os.environ.get("FAMILYVIEW_OIDC_TEAM_CLAIM", "")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# What a page may load and run: only Family View's own files, and the inline scripts it
# marks with this response's nonce (GOV.UK Frontend's `govuk-frontend-supported` line).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page of Family View uses, turned off for every page
# (familyview/permissions_policy.py).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
if PRODUCTION:
    # HTTPS only: plain HTTP is redirected (the load balancer's health check excepted),
    # and browsers are told to use nothing else for a year.
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is decided for the council's whole domain, not by one service on it.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
if FAMILYVIEW_TRUSTED_PROXIES:
    # The proxy that terminates TLS says so; it must set (not pass on) this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
GOVUK_FRONTEND_DIR = PROJECT_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATICFILES_DIRS = [("govuk", GOVUK_FRONTEND_DIR)]
# GOV.UK Frontend's compiled CSS asks for its fonts and images under /assets/.
WHITENOISE_ROOT = GOVUK_FRONTEND_DIR
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Logs carry opaque identifiers only, never names, dates of birth or NHS numbers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FAMILYVIEW_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Also append every log line to a file when asked (the test suite scans it for personal
# data after the run; an operator may want it too).
if os.environ.get("FAMILYVIEW_LOG_FILE"):
    LOGGING["handlers"]["file"] = {
        "class": "logging.FileHandler",
        "filename": os.environ["FAMILYVIEW_LOG_FILE"],
        "formatter": "plain",
    }
    LOGGING["root"]["handlers"].append("file")
    LOGGING["loggers"]["django.server"] = {"handlers": ["console", "file"], "propagate": False}

# Where council-specific mapping files may live besides the built-in ones.
FAMILYVIEW_MAPPINGS_DIR = Path(os.environ.get("FAMILYVIEW_MAPPINGS_DIR", PROJECT_DIR / "mappings"))

# A council's own settings files (docs/adr/0003-settings-files.md): each variable names a
# TOML file holding what the council changes of the built-in one; unset, the built-in file
# applies alone (familyview/settings_files.py reads them).
FAMILYVIEW_LINKAGE_SETTINGS = os.environ.get("FAMILYVIEW_LINKAGE_SETTINGS") or None
FAMILYVIEW_BUILDING_RULES = os.environ.get("FAMILYVIEW_BUILDING_RULES") or None
FAMILYVIEW_SERVICE_CATEGORIES = os.environ.get("FAMILYVIEW_SERVICE_CATEGORIES") or None
FAMILYVIEW_DISPLAY_RULES = os.environ.get("FAMILYVIEW_DISPLAY_RULES") or None
FAMILYVIEW_FAMILY_CONTEXT_SERVICES = os.environ.get("FAMILYVIEW_FAMILY_CONTEXT_SERVICES") or None
FAMILYVIEW_ALERT_RULES = os.environ.get("FAMILYVIEW_ALERT_RULES") or None
FAMILYVIEW_RETENTION_RULES = os.environ.get("FAMILYVIEW_RETENTION_RULES") or None

# The audit log's checkpoint signing key lives outside the database (see docs/audit.md);
# made on first use for the demo, by default in this database's own folder
# ($FAMILYVIEW_VAR_DIR/<database name>/audit/, audit/database_files.py).
AUDIT_KEY_FILE = os.environ.get("FAMILYVIEW_AUDIT_KEY_FILE") or None
# The tampering window: a signed checkpoint every AUDIT_CHECKPOINT_EVERY events, and at the
# first event once the newest is AUDIT_CHECKPOINT_MINUTES old.
AUDIT_CHECKPOINT_EVERY = _number("FAMILYVIEW_AUDIT_CHECKPOINT_EVERY", "100", least=0)
AUDIT_CHECKPOINT_MINUTES = _number(
    "FAMILYVIEW_AUDIT_CHECKPOINT_MINUTES", "10", whole=False, least=0
)
# A witness outside the database for every event's hash (audit/witness.py): a file on
# another host's mount, and/or syslog (`/dev/log`, or `host:port` over UDP).
AUDIT_WITNESS_FILE = os.environ.get("FAMILYVIEW_AUDIT_WITNESS_FILE") or None
AUDIT_WITNESS_SYSLOG = os.environ.get("FAMILYVIEW_AUDIT_WITNESS_SYSLOG", "")

# The JSON API (docs/api.md): calls per minute per API client (or signed-in user), and
# how many may come at once before the rate applies.
FAMILYVIEW_API_RATE_PER_MINUTE = _number("FAMILYVIEW_API_RATE_PER_MINUTE", "120", least=1)
FAMILYVIEW_API_BURST = _number("FAMILYVIEW_API_BURST", "60", least=1)
# And per member of staff through one API client, so that one user cannot use up the
# client's allowance.
FAMILYVIEW_API_USER_RATE_PER_MINUTE = _number("FAMILYVIEW_API_USER_RATE_PER_MINUTE", "60", least=1)
FAMILYVIEW_API_USER_BURST = _number("FAMILYVIEW_API_USER_BURST", "30", least=1)

# Across council borders (docs/peers.md): the name this deployment signs its requests to
# neighbouring councils with (each registers it with `familyview peers add`), and how long a
# worker's "Ask neighbouring councils" waits for every answer, in seconds.
FAMILYVIEW_PEER_NAME = os.environ.get("FAMILYVIEW_PEER_NAME", "")
FAMILYVIEW_PEERS_TIME_LIMIT = float(os.environ.get("FAMILYVIEW_PEERS_TIME_LIMIT", "4"))

if PRODUCTION:
    # Last, once every setting is known: one sentence per danger, and no start.
    production.refuse_unsafe_settings(
        debug=DEBUG,
        secret_key=os.environ.get("FAMILYVIEW_SECRET_KEY", ""),
        second_factor_key=FAMILYVIEW_SECOND_FACTOR_KEY,
        allowed_hosts=ALLOWED_HOSTS,
        secure_cookies=SECURE_COOKIES_ASKED,
        checkpoint_every=AUDIT_CHECKPOINT_EVERY,
        checkpoint_minutes=AUDIT_CHECKPOINT_MINUTES,
    )
