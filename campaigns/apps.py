from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("主题活动与站点")

    def ready(self) -> None:
        from civilization_stations.selectors import register_node_panel
        from core.navigation import NavItem, register_nav
        from volunteers.profile import register_profile_section

        from .panels import benefits_section, is_station_staff, node_sites_panel, results_section

        register_nav(NavItem(label=_("主题活动"), url_name="campaigns:list", order=25))
        register_nav(NavItem(label=_("服务站点"), url_name="campaigns:site_list", order=26))
        register_node_panel(node_sites_panel, order=30)
        register_nav(
            NavItem(
                label=_("服务成效"),
                url_name="campaigns:results_desk",
                visible=is_station_staff,
                order=72,
            )
        )
        register_profile_section(benefits_section, order=125)
        register_profile_section(results_section, order=126)
