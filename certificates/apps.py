from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("志愿服务证明")

    def ready(self) -> None:
        from volunteers.profile import register_profile_section

        from .panels import certificate_section

        register_profile_section(certificate_section, order=130)
