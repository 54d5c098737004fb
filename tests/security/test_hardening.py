"""Security headers, the production configuration (`check --deploy`), and templates that keep to
the Content-Security-Policy (no inline scripts, styles or event handlers)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    """The environment a production deployment sets (README: Configuration)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="prod-" + "k3y-Zq9#xV!2mW7$rT5&pL8*nB4^hJ6@" * 2,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DOCUMENT_HASH_KEY="prod-document-hash-key-0123456789abcdef",
        ALLOWED_HOSTS="volunteer.example.org",
        CSRF_TRUSTED_ORIGINS="https://volunteer.example.org",
        SITE_URL="https://volunteer.example.org",
        VAR_DIR=env.get("VAR_DIR", str(ROOT / "var")),
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SECURE_SSL_REDIRECT", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS"]
out = {n: getattr(settings, n) for n in names}
client = Client(HTTP_HOST="volunteer.example.org")
plain = client.get("/healthz")
out["http_status"], out["http_location"] = plain.status_code, plain.get("Location", "")
secure = client.get("/healthz", secure=True)
out["hsts"] = secure.get("Strict-Transport-Security", "")
print(json.dumps(out))
"""


def test_production_settings_force_https_hsts_and_secure_cookies():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**production_env(), "DJANGO_SETTINGS_MODULE": "volunteer_hub.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["DEBUG"] is False
    assert seen["SESSION_COOKIE_SECURE"] and seen["CSRF_COOKIE_SECURE"]
    assert seen["SESSION_COOKIE_HTTPONLY"]
    assert seen["SECURE_HSTS_SECONDS"] >= 31536000
    assert seen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and seen["SECURE_HSTS_PRELOAD"]
    assert seen["SECURE_CONTENT_TYPE_NOSNIFF"] and seen["X_FRAME_OPTIONS"] == "DENY"
    # Plain HTTP is sent to HTTPS; HTTPS answers carry HSTS.
    assert seen["http_status"] == 301
    assert seen["http_location"] == "https://volunteer.example.org/healthz"
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [d.strip().split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/stations/"])
def test_pages_carry_a_strict_content_security_policy(client, db, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_htmx_is_told_not_to_inject_inline_styles(client, db):
    html = client.get("/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html)
    assert config, "base.html must carry <meta name=htmx-config>"
    assert json.loads(config.group(1))["includeIndicatorStyles"] is False
    css = (ROOT / "static/css/app.css").read_text()
    assert ".htmx-indicator" in css and ".htmx-request" in css


# Markup that a CSP without 'unsafe-inline' blocks, so it must not be in any template.
INLINE = {
    "inline <script> (put JS in static/js/)": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "style= attribute (use a class in app.css)": re.compile(r"\sstyle\s*=", re.I),
    "<style> element (use app.css)": re.compile(r"<style[\s>]", re.I),
    "on…= event handler (use static/js/)": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
    "hx-on (htmx evaluates it: needs unsafe-eval)": re.compile(r"\shx-on[:\w-]*\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)
# <script type="application/json"> data islands are not executed and are allowed.
DATA_ISLAND = re.compile(r"<script[^>]*type=[\"']application/(ld\+)?json[\"']", re.I)


def test_no_template_needs_unsafe_inline():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        # Template comments are not output; blank them out, keeping the line numbers.
        text = COMMENTS.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for number, line in enumerate(text.splitlines(), 1):
            for what, pattern in INLINE.items():
                if pattern.search(line) and not DATA_ISLAND.search(line):
                    found.append(f"{template.relative_to(ROOT)}:{number}: {what}: {line.strip()}")
    assert not found, "Templates that the Content-Security-Policy would break:\n" + "\n".join(found)
