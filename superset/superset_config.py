"""Superset's configuration for `make superset` (read through SUPERSET_CONFIG_PATH).

Everything Superset keeps lives in SUPERSET_HOME, the project's .superset/ folder:
its metadata database and the secret key that `superset/serve.py` generates there.
Nothing here reaches past this machine: the browser is allowed to load only what
Superset serves itself (Superset's default policy also lets it load a tracking
pixel, map tiles and web fonts), and no feature that calls out is switched on.
"""

import os
from pathlib import Path

_HOME = Path(os.environ["SUPERSET_HOME"])

SECRET_KEY = (_HOME / "secret-key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}"

# Never set PREVENT_UNSAFE_DB_CONNECTIONS to False: it would let a database admin
# register SQLite, and with it Superset's own metadata database (docs/querying.md).
PREVENT_UNSAFE_DB_CONNECTIONS = True

# Only what Superset serves itself: no tracking pixel, map tiles or web fonts.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
MAPBOX_API_KEY = ""
FEATURE_FLAGS = {
    "ALERT_REPORTS": False,
    "THUMBNAILS": False,
    "PLAYWRIGHT_REPORTS_AND_THUMBNAILS": False,
    "SSH_TUNNELING": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
}

# Dutch where Superset has it; the dashboard's titles are Dutch either way.
BABEL_DEFAULT_LOCALE = "nl"
LANGUAGES = {
    "nl": {"flag": "nl", "name": "Nederlands"},
    "en": {"flag": "us", "name": "English"},
}

# One person's machine: no rate limiter storage to set up, no examples.
RATELIMIT_ENABLED = False
WEBDRIVER_BASEURL = f"http://127.0.0.1:{os.environ.get('SUPERSET_PORT', '8088')}/"
