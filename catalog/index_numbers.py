"""Index numbers (索引号): a per-organization template, allocated once at first publication.

No national rule fixes the format (reference/catalog-metadata.md), so each organization has a
template. The serial is taken from an IndexSequence row locked with SELECT ... FOR UPDATE inside the
publishing transaction, so two publishers at the same instant never get the same number; a number
once given is never given again, even if its item is withdrawn. The unique constraint on
(organization, index_number) is the last guard.
"""

from __future__ import annotations

import datetime as dt
import string

from disclosure_site.models import Organization

from .index_templates import DEFAULT_TEMPLATE, render
from .models import IndexNumberScheme, IndexSequence, Item


def period_key(template: str, *, category: str, day: dt.date) -> str:
    """The serial restarts per period of the template: per day, month or year, and per category if named."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if "date" in names:
        period = f"{day:%Y%m%d}"
    elif "month" in names:
        period = f"{day:%Y%m}"
    elif "year" in names:
        period = f"{day:%Y}"
    else:
        period = "all"
    return f"{period}:{category}" if "category" in names else period


def template_for(organization: Organization) -> str:
    scheme = IndexNumberScheme.objects.filter(organization=organization).only("template").first()
    return scheme.template if scheme else DEFAULT_TEMPLATE


def allocate(item: Item, *, day: dt.date) -> str:
    """Take the next serial for item's organization and return its index number.

    Must run inside the transaction that publishes item: the sequence row stays locked until commit.
    """
    organization = item.organization
    template = template_for(organization)
    category_code = item.category.code
    period = period_key(template, category=category_code, day=day)
    IndexSequence.objects.bulk_create([IndexSequence(organization=organization, period=period)], ignore_conflicts=True)
    sequence = IndexSequence.objects.select_for_update().get(organization=organization, period=period)
    while True:
        sequence.last_value += 1
        number = render(
            template,
            prefix=organization.effective_index_prefix,
            category=category_code,
            day=day,
            seq=sequence.last_value,
        )
        # An imported item may already hold a number this serial would produce: skip it, never reuse.
        if not Item.objects.filter(organization=organization, index_number=number).exists():
            break
    sequence.save(update_fields=["last_value"])
    return number
