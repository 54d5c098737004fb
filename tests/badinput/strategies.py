"""Hostile input for forms and endpoints: what a careless or malicious client sends.

`hostile_text()` mixes over-long text, control characters, mixed scripts, SQL and HTML
metacharacters, numbers and dates that are wrong in type or range. Every value that carries a
markup payload carries one of MARKUP_PAYLOADS whole, so a test can check that it never comes
back unescaped.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# A small, derandomized budget: the suite stays fast and CI sees the same examples every run.
FUZZ = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the database and client are reset per example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

MARKUP_PAYLOADS = [
    "<script>alert('xss-1')</script>",
    '"><img src=x onerror=alert("xss-2")>',
    "</textarea><svg/onload=alert('xss-3')>",
    "<a href=\"javascript:alert('xss-4')\">点我</a>",
    "'><iframe src=//example.com/xss-5></iframe>",
]
SQL_PAYLOADS = [
    "' OR '1'='1",
    "'; DROP TABLE accounts_user; --",
    '" OR 1=1 --',
    "1' UNION SELECT password FROM accounts_user --",
    "%' AND 1=0 UNION SELECT NULL --",
    "\\'; SELECT pg_sleep(0); --",
]
ODD_VALUES = [
    "",
    " ",
    "\x00",
    "null",
    "None",
    "undefined",
    "NaN",
    "Infinity",
    "-1",
    "0",
    "1e309",
    "9" * 40,
    "-" + "9" * 40,
    "0x7fffffffffffffff",
    "[]",
    "{}",
    '{"a": [1, 2]}',
    "true",
    "9999-12-31",
    "0001-01-01",
    "-5000-01-01",
    "2024-02-30",
    "275760-09-13T00:00:00Z",
    "1970-01-01T00:00:00+25:00",
    "../../etc/passwd",
    "%00",
    "%2e%2e%2f",
    "\u202e" + "gnp.exe",  # right-to-left override
    "\ufeff",  # byte-order mark
    "\ud7ff\ue000\uffff",
]

control_chars = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), max_size=20)
mixed_scripts = st.text(
    alphabet=st.sampled_from(
        "志愿服务平台北京朝阳ａｂｃ１２３abcXYZ123αβγДЖЩعربيעבריתहिन्दी한국어カタカナ😀🧑‍🤝‍🧑"
        "\u0301\u200b\u200d"
    ),
    max_size=60,
)
huge_numbers = st.one_of(
    st.integers(min_value=2**63, max_value=10**40).map(str),
    st.integers(max_value=-(2**63)).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=10).map(str),
)
far_dates = st.one_of(
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.integers(min_value=10000, max_value=999999).map(lambda y: f"{y}-01-01"),
)
over_long = st.integers(min_value=300, max_value=5000).flatmap(
    lambda n: st.sampled_from(["长", "a", "<", "'", "\u3000", "😀"]).map(lambda c: c * n)
)


def hostile_text() -> st.SearchStrategy[str]:
    atoms = st.one_of(
        st.sampled_from(MARKUP_PAYLOADS),
        st.sampled_from(SQL_PAYLOADS),
        st.sampled_from(ODD_VALUES),
        control_chars,
        mixed_scripts,
        huge_numbers,
        far_dates,
        st.text(max_size=80),
    )
    return st.one_of(
        atoms,
        over_long,
        st.lists(atoms, min_size=2, max_size=4).map("".join),
    )


def hostile_value() -> st.SearchStrategy[str | list[str]]:
    """A form value: usually one string, sometimes the field repeated (a list)."""
    return st.one_of(
        hostile_text(),
        hostile_text(),
        hostile_text(),
        st.lists(hostile_text(), min_size=2, max_size=3),
    )
