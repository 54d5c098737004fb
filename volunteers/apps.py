from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("志愿者")

    def ready(self) -> None:
        from core.access import is_federation_admin, is_station_staff
        from core.navigation import HomeCard, NavItem, register_home_card, register_nav

        from .privacy import basic_record, data_accesses, register_data_export

        register_nav(
            NavItem(
                label=_("我的"),
                url_name="volunteers:me",
                visible=lambda user: user.is_authenticated,
                order=90,
            )
        )
        register_nav(
            NavItem(
                label=_("志愿者"),
                url_name="volunteers:staff_list",
                visible=lambda user: is_federation_admin(user) or is_station_staff(user),
                order=80,
            )
        )
        register_home_card(
            HomeCard(
                title=_("成为志愿者"),
                text=_("实名注册，获得志愿者编号，参加身边的志愿服务。"),
                url_name="volunteers:register",
                order=10,
            )
        )
        register_data_export(basic_record, order=0)
        register_data_export(data_accesses, order=1000)
