from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivilizationStationsConfig(AppConfig):
    name = "civilization_stations"
    verbose_name = _("新时代文明实践阵地")
