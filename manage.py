#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Writing or checking migrations reads model definitions only and signs nothing: it runs without the
# production SECRET_KEY (disclosure_site/settings.py), so a developer or a hook can call it bare.
SCHEMA_ONLY_COMMANDS = {"makemigrations"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
    if len(sys.argv) > 1 and sys.argv[1] in SCHEMA_ONLY_COMMANDS:
        os.environ["SCHEMA_ONLY_COMMAND"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
