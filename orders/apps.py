from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("服务订单")

    def ready(self) -> None:
        from civilization_stations.selectors import register_node_panel
        from core.navigation import NavItem, register_nav

        from .access import is_order_staff
        from .selectors import node_orders_panel

        register_node_panel(node_orders_panel, order=50)
        # Both checks read only the user row already loaded: no query per page.
        register_nav(NavItem(_("订单收件箱"), "orders:inbox", visible=is_order_staff, order=40))
        register_nav(
            NavItem(
                _("我的订单"), "orders:mine", visible=lambda user: user.is_authenticated, order=60
            )
        )
