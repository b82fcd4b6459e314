"""Settings for `make run` and manage.py: the product as deployed (DEBUG off) on plain http://127.0.0.1.

`DEBUG=true make run` turns debug mode on for development. Without DATABASE_URL and CELERY_BROKER_URL
the embedded PostgreSQL and its SQLAlchemy broker are used. The SECRET_KEY is made once and kept in
.data/secret_key, so sessions survive a restart.
"""

import os
import warnings

from django.core.management.utils import get_random_secret_key

from .environment import DATA_DIR

_secret_key_file = DATA_DIR / "secret_key"


def _kept_secret_key() -> str:
    if not _secret_key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        draft = _secret_key_file.with_name(f"secret_key.{os.getpid()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
            file.write(get_random_secret_key())
        try:
            # A link never replaces a key another process made first, and nobody reads half a key.
            os.link(draft, _secret_key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return _secret_key_file.read_text().strip()


os.environ.setdefault("DEBUG", "false")
if not os.environ.get("SECRET_KEY"):
    os.environ["SECRET_KEY"] = _kept_secret_key()
# Secure cookies, the HTTPS redirect and HSTS would lock a browser out of http://127.0.0.1; a
# deployment (crm.settings.production) keeps them on unless its environment says otherwise.
for _variable in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"):
    os.environ.setdefault(_variable, "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

from .base import *  # noqa: E402, F403

# The collected files get content-hashed names as in production (a missing file fails the same way),
# without production's gzip and brotli copies, which take minutes to make and gain nothing on localhost.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}  # noqa: F405

# In debug mode WhiteNoise serves files straight from the finders; STATIC_ROOT may not exist yet.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
