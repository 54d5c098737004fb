"""Who may open which certificate: its volunteer downloads it; anyone may verify it by number."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from .models import Certificate
from .numbers import is_well_formed, normalise


def get_certificate_for_owner(user: Any, pk: int) -> Certificate:
    """A certificate of the signed-in volunteer; 404 for anyone else's (ids cannot be probed)."""
    if not user.is_authenticated:
        raise Http404
    certificate = (
        Certificate.objects.select_related("volunteer").filter(pk=pk, volunteer__user=user).first()
    )
    if certificate is None:
        raise Http404
    return certificate


def find_certificate(number: str) -> tuple[Certificate | None, str]:
    """(certificate, reason): reason is "" when found, "malformed" for a number that fails its
    check characters (mistyped or altered), "unknown" for a well-formed number never issued."""
    cleaned = normalise(number)
    if not is_well_formed(cleaned):
        return None, "malformed"
    # The holder comes along (one query) for the verification page's current star level; of the
    # person only the account state is read, nothing the page could leak.
    certificate = (
        Certificate.objects.select_related("volunteer")
        .only("number", "snapshot", "issued_at", "volunteer__id", "volunteer__closed_at")
        .filter(number=cleaned)
        .first()
    )
    if certificate is None:
        return None, "unknown"
    return certificate, ""
