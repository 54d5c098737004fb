from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _station_staff(user) -> bool:
    """Station staff decide station projects' hours. No query here (the nav renders on every
    page): organization admins reach their desk from the hours section of /me/."""
    return bool(user.is_authenticated and user.staff_node_id)


class HoursConfig(AppConfig):
    name = "hours"
    verbose_name = _("服务时长")

    def ready(self) -> None:
        from core.navigation import NavItem, register_nav
        from volunteers.privacy import register_data_export
        from volunteers.profile import register_profile_section

        from . import panels

        register_nav(
            NavItem(label=_("服务记录"), url_name="hours:desks", visible=_station_staff, order=70)
        )
        register_profile_section(panels.hours_section, order=110)
        register_data_export(panels.export_hours_summary, order=300)
        register_data_export(panels.export_service_records, order=301)
        register_data_export(panels.export_training, order=302)
        register_data_export(panels.export_awards, order=303)
        register_data_export(panels.export_corrections, order=304)
