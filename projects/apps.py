from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("志愿服务项目")

    def ready(self) -> None:
        from civilization_stations.selectors import register_node_panel
        from core.access import is_federation_admin
        from core.navigation import NavItem, register_nav

        from .panels import open_projects_panel

        register_nav(NavItem(label=_("项目"), url_name="projects:list", order=20))
        register_nav(
            NavItem(
                label=_("我的报名"),
                url_name="projects:my_signups",
                visible=lambda user: user.is_authenticated,
                order=60,
            )
        )
        register_nav(
            NavItem(
                label=_("项目审核"),
                url_name="projects:review_queue",
                visible=lambda user: bool(
                    user.is_authenticated and (user.staff_node_id or is_federation_admin(user))
                ),
                order=80,
            )
        )
        register_node_panel(open_projects_panel, order=20)

        from volunteers.privacy import register_data_export
        from volunteers.profile import register_profile_section

        from .panels import my_signups_section, signups_data_export

        register_profile_section(my_signups_section, order=200)
        register_data_export(signups_data_export, order=300)
