"""Navigation and home-page entries that apps register in AppConfig.ready(), so the base layout
grows with the apps without importing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translation
    url_name: str
    visible: Callable[[Any], bool] = lambda user: True
    order: int = 100


@dataclass(frozen=True)
class HomeCard:
    title: Any
    text: Any
    url_name: str
    order: int = 100


_nav: dict[str, NavItem] = {}
_cards: dict[str, HomeCard] = {}


def register_nav(item: NavItem) -> None:
    _nav[item.url_name] = item


def register_home_card(card: HomeCard) -> None:
    _cards[card.url_name] = card


def nav_links(user: Any) -> list[dict[str, Any]]:
    items = sorted(_nav.values(), key=lambda i: i.order)
    return [{"label": i.label, "url": reverse(i.url_name)} for i in items if i.visible(user)]


def home_cards() -> list[dict[str, Any]]:
    cards = sorted(_cards.values(), key=lambda c: c.order)
    return [{"title": c.title, "text": c.text, "url": reverse(c.url_name)} for c in cards]
