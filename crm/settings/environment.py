"""Reading configuration from the environment, with one clear line when a value is wrong.

Start-up stops with `SystemExit` (no traceback) naming the variable, as Healthchecks' `envbool` does.
"""

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = BASE_DIR / ".data"


class _Env(environ.Env):
    def get_value(
        self, var_name: str, cast: Any = None, default: Any = environ.Env.NOTSET, parse_default: bool = False
    ) -> Any:
        value = self.ENVIRON.get(var_name)
        if isinstance(value, str) and value.startswith("$"):
            # Taken as written: django-environ would read it as the name of another variable, and a
            # random secret key starts with `$` one time in fifty.
            return self.parse_value(value, cast) if cast is not None else value
        return super().get_value(var_name, cast, default, parse_default)


env = _Env()


class ConfigurationError(SystemExit):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"Configuration error: {variable} {problem}")


BOOLEANS = dict.fromkeys(("true", "yes", "on", "1"), True) | dict.fromkeys(("false", "no", "off", "0"), False)


def read(variable: str, cast: str = "str", **kwargs: Any) -> Any:
    """`env.<cast>(variable, ...)`, turning every parse failure into a one-line start-up error."""
    if cast == "bool" and env.str(variable, default="").strip():
        # django-environ reads any unknown word as False; a typo must not silently turn DEBUG off.
        raw = env.str(variable).strip()
        if raw.lower() not in BOOLEANS:
            raise ConfigurationError(variable, f"has an invalid value {raw!r} (use true or false).")
        return BOOLEANS[raw.lower()]
    try:
        return getattr(env, cast)(variable, **kwargs)
    except ImproperlyConfigured:
        raise ConfigurationError(variable, "is required but not set.") from None
    except (ValueError, TypeError, KeyError) as error:
        raw = env.str(variable, default="")
        raise ConfigurationError(variable, f"has an invalid value {raw!r} ({error}).") from None


def read_url(variable: str, schemes: tuple[str, ...]) -> str | None:
    """A URL setting that, when set, must use one of `schemes`."""
    value: str = read(variable, default="")
    if not value:
        return None
    if value.split("://", 1)[0] not in schemes or "://" not in value:
        raise ConfigurationError(variable, f"must be a URL starting with one of {', '.join(schemes)}.")
    return value
