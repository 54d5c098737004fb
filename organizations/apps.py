from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_reviewer(user) -> bool:
    from core.access import is_federation_admin, is_station_staff

    return is_federation_admin(user) or is_station_staff(user)


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("志愿服务组织")

    def ready(self) -> None:
        from civilization_stations.selectors import register_node_panel
        from core.navigation import HomeCard, NavItem, register_home_card, register_nav

        from . import selectors

        register_nav(NavItem(label=_("志愿服务组织"), url_name="organizations:list", order=20))
        register_nav(
            NavItem(
                label=_("我的组织"),
                url_name="organizations:mine",
                visible=lambda user: user.is_authenticated,
                order=40,
            )
        )
        register_nav(
            NavItem(
                label=_("组织审核"),
                url_name="organizations:review_queue",
                visible=_is_reviewer,
                order=60,
            )
        )
        register_home_card(
            HomeCard(
                title=_("志愿服务组织"),
                text=_("查找身边的志愿服务组织和分队，申请加入；实名志愿者可以登记新的组织。"),
                url_name="organizations:list",
                order=20,
            )
        )
        register_node_panel(selectors.node_panel, order=10)
        self._register_with_volunteers()

    def _register_with_volunteers(self) -> None:
        """The volunteers app (a floor below) offers registries for profile sections and the
        personal-data export; join them when they are there."""
        try:
            from volunteers.profile import register_profile_section
        except ImportError:
            pass
        else:
            from .selectors import profile_section

            register_profile_section(profile_section, order=90)
        try:
            from volunteers.privacy import register_data_export
        except ImportError:
            pass
        else:
            from .selectors import data_export

            register_data_export(data_export, order=200)
