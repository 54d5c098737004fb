from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("签到签退")

    def ready(self) -> None:
        from core.navigation import NavItem, register_nav
        from volunteers.profile import register_profile_section

        from .panels import attendance_section

        register_nav(
            NavItem(
                label=_("签到"),
                url_name="attendance:home",
                visible=lambda user: user.is_authenticated,
                order=55,
            )
        )
        register_profile_section(attendance_section, order=120)
