"""The database stops answering: the site answers 503 pages in its own layout (系统维护中, Retry-After),
never a 500, and serves normally again as soon as the database is back, with nobody doing anything."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from tests.catalog.factories import ItemFactory
from tests.requests_app.test_apply import APPLY, natural

HOME = reverse("disclosure_site:home")


class Outage:
    """Every query on the default connection fails the way psycopg reports a stopped server."""

    def __init__(self, monkeypatch, error=OperationalError):
        self.monkeypatch, self.error = monkeypatch, error

    def __enter__(self):
        def refuse(*args, **kwargs):
            raise self.error("server closed the connection unexpectedly")

        self.monkeypatch.setattr(connection, "_cursor", refuse)
        return self

    def __exit__(self, *exc):
        self.monkeypatch.undo()


def assert_maintenance_page(response) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "系统维护中" in page and "服务暂时不可用" in page
    # The site's own layout (header, navigation, skip link), not a bare error text.
    assert "跳到主要内容" in page and 'aria-label="主导航"' in page and "依申请公开" in page
    return page


def test_public_pages_answer_503_during_the_outage_and_200_after(county, monkeypatch):
    ItemFactory(organization=county.finance, published=True)
    client = Client()

    with Outage(monkeypatch):
        for url in (HOME, APPLY, reverse("catalog:proactive")):
            assert_maintenance_page(client.get(url))

    for url in (HOME, APPLY, reverse("catalog:proactive")):
        assert client.get(url).status_code == 200


def test_the_outage_page_is_not_kept_by_the_public_page_cache(county, monkeypatch):
    client = Client()
    with Outage(monkeypatch):
        assert_maintenance_page(client.get(HOME))

    response = client.get(HOME)

    assert response.status_code == 200 and "系统维护中" not in response.content.decode()


def test_a_submitted_application_during_the_outage_gets_the_page_and_can_be_sent_again(county, monkeypatch):
    from requests_app.models import InfoRequest

    with Outage(monkeypatch):
        page = assert_maintenance_page(Client().post(APPLY, natural(county)))
    assert "本次提交没有成功" in page

    assert Client().post(APPLY, natural(county)).status_code == 302
    assert InfoRequest.objects.count() == 1


def test_staff_pages_answer_503_when_the_session_cannot_be_read(clerk, monkeypatch):
    # The staff session timeout middleware reads request.user, so the failure is raised in a middleware.
    client = Client(raise_request_exception=False)
    client.force_login(clerk)

    with Outage(monkeypatch, InterfaceError):
        assert_maintenance_page(client.get("/admin/"))

    assert client.get("/admin/").status_code == 200


def test_a_failure_inside_a_middleware_is_also_a_503(county, monkeypatch):
    """Saving the session happens in SessionMiddleware, after the view: the page is 503 too."""
    from django.contrib.sessions.middleware import SessionMiddleware

    def failing(self, request, response):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(SessionMiddleware, "process_response", failing)
    response = Client(raise_request_exception=False).get(HOME)

    assert_maintenance_page(response)
    # The security headers of the response it replaces stay.
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"


def test_other_database_errors_stay_errors(county, monkeypatch):
    from django.db import ProgrammingError

    with Outage(monkeypatch, ProgrammingError):
        response = Client(raise_request_exception=False).get(HOME)

    assert response.status_code == 500


def test_the_middleware_comes_first_and_connections_are_checked():
    assert settings.MIDDLEWARE[0] == "disclosure_site.faults.DatabaseUnavailableMiddleware"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_server_that_is_not_there_gives_503_then_the_real_one_200(county):
    """A real connection failure: the default database pointed at a closed port, then back."""
    from django.db import connections

    real = dict(connections["default"].settings_dict)
    client = Client()
    try:
        connections["default"].close()
        connections["default"].settings_dict["PORT"] = "1"  # nothing listens there
        assert_maintenance_page(client.get(HOME))
    finally:
        connections["default"].close()
        connections["default"].settings_dict.update(real)

    assert client.get(HOME).status_code == 200
