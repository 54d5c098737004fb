from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("批量导入导出")

    def ready(self) -> None:
        from core.navigation import NavItem, register_nav
        from volunteers.profile import register_profile_section

        from .panels import has_staff_import_scope, imports_section

        register_nav(
            NavItem(
                label=_("批量导入"),
                url_name="imports:index",
                visible=has_staff_import_scope,
                order=85,
            )
        )
        register_profile_section(imports_section, order=95)
