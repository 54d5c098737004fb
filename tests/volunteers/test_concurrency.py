"""Two registrations at the same moment, on two real PostgreSQL connections: distinct volunteer
numbers, and one document registers once."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.factories import UserFactory, load_tree
from volunteers.models import Volunteer
from volunteers.services import is_valid_volunteer_number, register_volunteer

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(calls):
    """Start every call at once (each thread has its own database connection)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def registration(user, node, number):
    return lambda: register_volunteer(
        user=user,
        name="并发测试",
        document_type="id_card",
        document_number=number,
        phone="13912345678",
        residence_node=node,
    )


def test_concurrent_registrations_get_distinct_numbers(postgres):
    tree = load_tree()
    numbers = [
        "11010519491231002X",
        "360426199101010071",
        "110105199001010010",
        "110105198506150029",
    ]
    from volunteers.documents import check_char

    numbers = [n[:17] + check_char(n[:17]) for n in numbers]
    users = [UserFactory() for _ in numbers]
    results = run_together(
        [registration(u, tree.jianwai, n) for u, n in zip(users, numbers, strict=True)]
    )
    assert all(isinstance(r, Volunteer) for r in results), results
    issued = [r.number for r in results]
    assert len(set(issued)) == len(issued)
    assert all(is_valid_volunteer_number(n) for n in issued)


def test_the_same_document_at_the_same_moment_registers_once(postgres):
    tree = load_tree()
    users = [UserFactory(), UserFactory()]
    results = run_together(
        [
            registration(users[0], tree.jianwai, "11010519491231002X"),
            registration(users[1], tree.jianwai, "11010519491231002x"),
        ]
    )
    created = [r for r in results if isinstance(r, Volunteer)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1 and len(refused) == 1, results
    assert "该证件号码已经注册过志愿者" in str(refused[0])
    assert Volunteer.objects.count() == 1
