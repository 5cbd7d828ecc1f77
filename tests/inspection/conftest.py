"""Helpers for the website inspection tests: published items on given dates, a catalog reduced to one column."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.models import Category, DocumentType
from tests.catalog.factories import SHANGHAI, ItemFactory, category_of


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def published(organization, *, on: dt.date, code: str = "0301", document_type=DocumentType.OTHER, **fields):
    """A published item of organization in column `code`, published on the day on."""
    return ItemFactory(
        published=True,
        organization=organization,
        category=category_of(organization, code),
        document_type=document_type,
        written_date=on,
        published_at=at(on),
        **fields,
    )


def keep_columns(organization, codes=("03", "0301")) -> None:
    """Switch off every column of organization's seeded catalog but codes (the root stays: it is no column)."""
    Category.objects.filter(organization=organization).exclude(code__in=[*codes, "00"]).update(is_active=False)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
