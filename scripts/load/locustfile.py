"""`make load`: a shift change at an event, dashboards and orders, against gunicorn.

Run by scripts/load/run.sh (which prepares the data, LOAD_DATA=<json from setup_data.py>):

- CheckinVolunteer (one per volunteer, default 500, all started within ten seconds): opens the
  check-in page of 下午场 (the QR link) and posts the code shown on the screen (check-in); 5–30 s
  later opens 上午场's page and posts its code (check-out, which writes the ledger entry); stops. Each post must be answered with the
  redirect of a success; anything else counts as a failure.
- CodeScreen (one per activity): the venue screen, polling the staff code page as its htmx does
  (every 10 s); volunteers read the code from the latest poll.
- DashboardViewer: a federation admin on the city, center, institute and station dashboards.
- Resident: an anonymous resident placing an order at the station (a new mobile number each time).

Requests carry `X-Forwarded-Proto: https` as behind the production TLS proxy (the server runs
with DEBUG=0, so cookies are Secure and CSRF checks the Referer); cookies are sent by hand.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import gevent
from locust import FastHttpUser, between, constant, task
from locust.exception import StopUser

with open(os.environ["LOAD_DATA"], encoding="utf-8") as handle:
    DATA = json.load(handle)

CHECKIN = DATA["checkin_activity"]  # 下午场, starting
CHECKOUT = DATA["checkout_activity"]  # 上午场, just ended
VOLUNTEERS = iter(DATA["volunteers"])
CODES: dict[int, str] = {}  # activity id → the code the screen shows now
PHONES = itertools.count(1)
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE_RE = re.compile(r"code=(\d{6})")
BEIJING = ZoneInfo("Asia/Shanghai")


class SiteUser(FastHttpUser):
    abstract = True
    session_key = ""

    def on_start(self) -> None:
        self.csrf = secrets.token_hex(16)  # a CSRF secret of our own, sent as the cookie

    def headers(self, referer: str = "") -> dict[str, str]:
        cookies = f"csrftoken={self.csrf}"
        if self.session_key:
            cookies += f"; sessionid={self.session_key}"
        headers = {"X-Forwarded-Proto": "https", "Cookie": cookies}
        if referer:
            headers["Referer"] = f"https://{self.host.split('://', 1)[1]}{referer}"
        return headers

    def form_token(self, path: str, name: str) -> str | None:
        with self.client.get(path, headers=self.headers(), name=name, catch_response=True) as r:
            match = TOKEN_RE.search(r.text or "") if r.status_code == 200 else None
            if match is None:
                r.failure(f"{r.status_code}: no form")
                return None
            return match[1]

    def post_form(self, path: str, name: str, data: dict, expect_location: str) -> bool:
        with self.client.post(
            path,
            data=data,
            headers=self.headers(referer=path),
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            location = r.headers.get("Location", "") if r.headers else ""
            if r.status_code != 302 or not location.startswith(expect_location):
                r.failure(f"{r.status_code} {location or (r.text or '')[:200]!r}")
                return False
            return True


class CheckinVolunteer(SiteUser):
    fixed_count = len(DATA["volunteers"])
    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        try:
            self.session_key = next(VOLUNTEERS)["session"]
        except StopIteration:
            raise StopUser() from None
        while CHECKIN not in CODES or CHECKOUT not in CODES:  # the screens' first poll
            gevent.sleep(0.2)

    def act(self, activity: int, action: str, name: str) -> None:
        path = f"/checkin/activity/{activity}/"
        token = self.form_token(path, f"GET check-in page ({name})")
        if token:
            data = {"csrfmiddlewaretoken": token, "action": action, "code": CODES[activity]}
            self.post_form(path, f"POST {action} ({name})", data, expect_location=path)

    @task
    def shift_change(self) -> None:
        self.act(CHECKIN, "checkin", "下午场")
        # Then, over the next half minute, each checks out of the morning at its own screen.
        gevent.sleep(5 + secrets.randbelow(25_000) / 1000)
        self.act(CHECKOUT, "checkout", "上午场")
        raise StopUser()


class CodeScreen(SiteUser):
    fixed_count = 2
    wait_time = constant(10)  # the page's hx-trigger="every 10s"
    screens = itertools.cycle([CHECKIN, CHECKOUT])

    def on_start(self) -> None:
        super().on_start()
        self.session_key = DATA["staff_session"]
        self.activity = next(self.screens)

    @task
    def poll(self) -> None:
        path = f"/checkin/activity/{self.activity}/code/"
        headers = {**self.headers(), "HX-Request": "true"}
        with self.client.get(
            path, headers=headers, name="GET staff code screen (htmx poll)", catch_response=True
        ) as r:
            match = CODE_RE.search(r.text or "") if r.status_code == 200 else None
            if match is None:
                r.failure(f"{r.status_code}: no code")
                return
            CODES[self.activity] = match[1]


class DashboardViewer(SiteUser):
    fixed_count = int(os.environ.get("LOAD_DASHBOARD_USERS", "10"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        self.session_key = DATA["admin_session"]

    def view(self, level: str) -> None:
        self.client.get(
            DATA["dashboards"][level], headers=self.headers(), name=f"GET dashboard ({level})"
        )

    @task
    def city(self) -> None:
        self.view("city")

    @task
    def center(self) -> None:
        self.view("center")

    @task
    def institute(self) -> None:
        self.view("institute")

    @task
    def station(self) -> None:
        self.view("station")


class Resident(SiteUser):
    fixed_count = int(os.environ.get("LOAD_RESIDENTS", "10"))
    wait_time = between(2, 5)

    @task
    def place_order(self) -> None:
        path = f"/stations/{DATA['station']}/orders/new/"
        token = self.form_token(path, "GET order form")
        if not token:
            return
        start = datetime.now(BEIJING) + timedelta(days=2)
        data = {
            "csrfmiddlewaretoken": token,
            "category": "elderly",
            "description": "负载测试：帮忙更换灯泡",
            "address": "南郎家园 5 号楼 101",
            "wanted_from": start.strftime("%Y-%m-%dT%H:%M"),
            "wanted_until": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "contact_name": "王奶奶",
            "contact_phone": f"137{next(PHONES):08d}",
        }
        self.post_form(path, "POST order", data, expect_location="/orders/track/")
