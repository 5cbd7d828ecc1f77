"""What work plans add to an organization's public page (disclosure_site.views.organization collects
`panels(request, organization)` from every app that has this module): the tasks it leads or supports
in published plans, with their latest published progress, and the link to its statistics."""

from __future__ import annotations

from django.template.loader import render_to_string

from . import public


def panels(request, organization) -> list[str]:
    tasks = public.organization_tasks(organization)
    return [
        render_to_string("workplans/_organization_tasks.html", {"org": organization, "tasks": tasks}, request=request)
    ]
