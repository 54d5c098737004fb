from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("统计看板")

    def ready(self) -> None:
        from civilization_stations.selectors import register_node_panel
        from core.access import is_federation_admin, is_station_staff
        from core.navigation import NavItem, register_nav

        from .panels import statistics_panel

        register_nav(
            NavItem(
                label=_("统计看板"),
                url_name="dashboard:home",
                visible=lambda user: is_federation_admin(user) or is_station_staff(user),
                order=90,
            )
        )
        register_node_panel(statistics_panel, order=90)
