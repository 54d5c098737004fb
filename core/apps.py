from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("平台基础")

    def ready(self) -> None:
        check_rate_limit_overrides()


def check_rate_limit_overrides() -> None:
    """RATE_LIMIT_OVERRIDES fails loudly at start-up, not at the first limited request."""
    from django.conf import settings

    from .ratelimit import Rate

    for name, rate in settings.RATE_LIMIT_OVERRIDES.items():
        scope, _sep, kind = name.rpartition(":")
        if not scope or kind not in {"ip", "key"}:
            raise ImproperlyConfigured(
                f"RATE_LIMIT_OVERRIDES: {name!r} must be '<scope>:ip' or '<scope>:key'."
            )
        try:
            Rate.parse(rate)
        except ValueError as exc:
            raise ImproperlyConfigured(f"RATE_LIMIT_OVERRIDES: {exc}") from None
