import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_home_page_is_in_chinese_with_landmarks(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert '<main id="main"' in html
    assert "跳到主要内容" in html
    assert "志愿服务平台" in html


@pytest.mark.django_db
def test_pages_load_no_third_party_assets(client):
    html = client.get("/").content.decode()
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
    assert "/static/vendor/htmx/htmx.min.js" in html


@pytest.mark.django_db
def test_unknown_page_gives_the_chinese_404(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_english_is_the_second_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en"' in page
    # The English catalogue is filled in: the chrome reads in English.
    assert "Volunteer Hub" in page
    assert "志愿服务平台" not in page


def test_the_english_catalogue_leaves_no_message_untranslated():
    from pathlib import Path

    from django.conf import settings

    po = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    entries = po.read_text(encoding="utf-8").split("\n\n")[1:]  # after the header
    untranslated = [e for e in entries if 'msgstr ""' in e.splitlines()[-1:]]
    fuzzy = [e for e in entries if "#, fuzzy" in e]  # not compiled: shown in Chinese
    assert entries
    assert not untranslated, untranslated[:3]
    assert not fuzzy, fuzzy[:3]


@pytest.mark.django_db
def test_elder_mode_persists_per_user(client, plain_user):
    client.force_login(plain_user)
    response = client.post("/preferences/elder-mode/", {"next": "/stations/"})
    assert response.status_code == 302
    assert response["Location"] == "/stations/"
    plain_user.refresh_from_db()
    assert plain_user.elder_mode is True
    assert 'class="elder-mode"' in client.get("/").content.decode()


def test_elder_mode_needs_login(client, db):
    response = client.post("/preferences/elder-mode/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_docker_compose_file_is_valid():
    if shutil.which("docker-compose") is None:
        if settings.REQUIRE_SERVICES:
            pytest.fail("docker-compose is required in CI to validate docker-compose.yml")
        pytest.skip("docker-compose not installed")
    result = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
