from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("志愿服务证明")

    def ready(self) -> None:
        from core.navigation import HomeCard, register_home_card
        from volunteers.profile import register_profile_section

        from .panels import certificate_section

        register_profile_section(certificate_section, order=130)
        register_home_card(
            HomeCard(
                title=_("证明核验"),
                text=_("输入志愿服务证明上的编号，核验证明真伪和内容。"),
                url_name="certificates:verify_form",
                order=90,
            )
        )
