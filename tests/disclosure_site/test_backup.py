"""Backup and restore (`manage.py backup`, `manage.py restore`): the demo data comes back into a fresh
database record for record and file for file; a refused archive or target is left exactly as it was.

The tests run on the suite's database vendor: on SQLite the restore target is a new file, on PostgreSQL a
database created for the test. pg_dump sees committed data only: the round trip is a transactional test,
and the refusals use an archive of the freshly migrated test database made once for the module.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import override_settings

from catalog.models import Attachment
from disclosure_site import backup
from disclosure_site.models import AuditEvent, Organization
from requests_app import letters
from requests_app.documents import store_document
from requests_app.models import DocumentKind, InfoRequest, Letter, LetterStatus, RequestDocument
from tests.factories import OrganizationFactory

RESTORED = "restored"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def postgres_target(django_db_setup, django_db_blocker):
    """On PostgreSQL, a second database for the module (creating and dropping one forces a checkpoint)."""
    if connection.vendor != "postgresql":
        yield None
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_database(postgres_target, django_db_blocker, tmp_path):
    """The alias of an empty database of the suite's vendor: a new SQLite file, or the module's PostgreSQL
    database emptied again after the test."""
    settings_dict = {**connection.settings_dict, "NAME": postgres_target or str(tmp_path / "restored.sqlite3")}
    # Registered as a connection but not in DATABASES: Django's test isolation allows such runtime aliases.
    restored = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, RESTORED)
    connections[RESTORED] = restored
    yield RESTORED
    if postgres_target:
        with django_db_blocker.unblock(), restored.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    restored.close()
    del connections[RESTORED]


def _models():
    seen = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table not in seen:
            seen.add(meta.db_table)
            yield model


def _records(model, alias: str) -> list[tuple]:
    """Every row of model, every concrete field, ordered by primary key."""
    fields = [field.attname for field in model._meta.concrete_fields]
    return list(model._base_manager.using(alias).order_by("pk").values_list(*fields))


def _raw_tables(alias: str) -> dict[str, list]:
    """Every table of the database as raw rows, with what models do not show: the full-text index
    (tsvector columns, the FTS5 table) and the state of every id sequence."""
    conn = connections[alias]
    contents = {}
    with conn.cursor() as cursor:
        tables = conn.introspection.table_names(cursor)
        if conn.vendor == "sqlite":
            tables.append("sqlite_sequence")
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            contents[table] = sorted(cursor.fetchall(), key=repr)
            if conn.vendor == "postgresql":
                for sequence in conn.introspection.get_sequences(cursor, table):
                    cursor.execute(f'SELECT last_value, is_called FROM "{sequence["name"]}"')  # noqa: S608
                    contents[f"sequence {sequence['name']}"] = cursor.fetchall()
    return contents


def _checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _add_request_files() -> int:
    """An identity proof, a reply letter as PDF and a 3 MB scan on demo applications; how many files."""
    info_request = InfoRequest.objects.filter(letters__status=LetterStatus.SENT).order_by("pk").first()
    clerk = info_request.handler
    letter = Letter.objects.filter(info_request=info_request, status=LetterStatus.SENT).first()
    files = [
        (DocumentKind.IDENTITY, "身份证正反面.png", b"\x89PNG\r\n\x1a\n" + os.urandom(20_000)),
        (DocumentKind.DISCLOSED, "答复书.pdf", letters.render_pdf(letter)),
        (DocumentKind.APPLICATION_SCAN, "申请书扫描件.pdf", b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024)),
    ]
    for kind, name, content in files:
        store_document(info_request, SimpleUploadedFile(name, content), kind=kind, by=clerk)
    return len(files)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_bring_back_every_record_and_file_of_the_demo(media, empty_database, tmp_path):
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    extra_files = _add_request_files()
    archive = tmp_path / "site.tar.gz"
    out = io.StringIO()
    call_command("backup", "--output", str(archive), stdout=out)
    assert "备份完成" in out.getvalue()

    restored_media = tmp_path / "restored-media"
    out = io.StringIO()
    call_command("restore", str(archive), "--database", empty_database, "--media-root", str(restored_media), stdout=out)

    assert "恢复完成" in out.getvalue()
    compared = 0
    for model in _models():
        source = _records(model, "default")
        assert _records(model, empty_database) == source, model._meta.label
        compared += len(source)
    assert compared > 5000  # the demo: items, applications, events, letters, reports, the calendar
    assert _raw_tables(empty_database) == _raw_tables("default")
    files = _checksums(media)
    assert len(files) == Attachment.objects.count() + RequestDocument.objects.count() > extra_files
    assert _checksums(restored_media) == files
    # New rows continue the id sequences instead of colliding with restored ones.
    for model, values in [
        (ContentType, {"app_label": "backup_probe", "model": "probe"}),
        (
            AuditEvent,
            {
                "content_type_id": ContentType.objects.get_for_model(AuditEvent).pk,
                "object_id": "1",
                "object_repr": "probe",
                "action": "create",
            },
        ),
    ]:
        new = model.objects.using(empty_database).create(**values)
        assert new.pk > max(model.objects.values_list("pk", flat=True))


# Refusals, on a small site --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_archive(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """An archive of the migrated test database (content types, permissions, calendar) and two files."""
    folder = tmp_path_factory.mktemp("small")
    with override_settings(MEDIA_ROOT=folder / "media"), django_db_blocker.unblock():
        default_storage.save("catalog/1/budget", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        default_storage.save("requests/2026/11/identity", ContentFile(b"\x89PNG\r\n\x1a\n" + b"x" * 5000))
        call_command("backup", "--output", str(folder / "small.tar.gz"), stdout=io.StringIO())
    return folder / "small.tar.gz"


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {member.name: tar.extractfile(member).read() for member in tar.getmembers()}


def _write(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _manifest(members: dict[str, bytes]) -> dict:
    return json.loads(members["manifest.json"])


def _with_manifest(members: dict[str, bytes], manifest: dict) -> dict[str, bytes]:
    """members with manifest last, as the backup writes it."""
    members = {name: data for name, data in members.items() if name != "manifest.json"}
    return {**members, "manifest.json": json.dumps(manifest).encode()}


def _restore_refused(archive: Path, alias: str, media_root: Path) -> str:
    with pytest.raises(CommandError) as refused:
        call_command(
            "restore", str(archive), "--database", alias, "--media-root", str(media_root), stdout=io.StringIO()
        )
    return str(refused.value)


def _assert_untouched(alias: str, media_root: Path) -> None:
    with connections[alias].cursor() as cursor:
        assert connections[alias].introspection.table_names(cursor) == []
    assert not media_root.exists()


@pytest.mark.django_db
def test_backup_writes_an_owner_only_archive_that_lists_every_record_and_file(small_archive):
    members = _members(small_archive)
    manifest = _manifest(members)

    assert small_archive.stat().st_mode & 0o777 == 0o600  # it holds applicants' personal data
    assert list(members)[-1] == "manifest.json"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["records"]["contenttypes.contenttype"]["count"] == ContentType.objects.count() > 0
    assert manifest["records"]["auth.permission"]["count"] == Permission.objects.count() > 0
    assert "0001_organizations_roles_calendar_audit" in manifest["migrations"]["disclosure_site"]
    assert sorted(manifest["files"]) == sorted(set(members) - {"manifest.json"})
    identity = members["media/requests/2026/11/identity"]
    assert manifest["files"]["media/requests/2026/11/identity"] == {
        "size": len(identity),
        "sha256": hashlib.sha256(identity).hexdigest(),
    }
    assert sorted(p.name for p in small_archive.parent.iterdir()) == ["media", "small.tar.gz"]  # nothing left over


def test_backup_refuses_to_write_into_the_media_directory(media):
    media.mkdir()
    with pytest.raises(CommandError, match="不能放在附件目录"):
        call_command("backup", "--output", str(media / "inside.tar.gz"), stdout=io.StringIO())
    assert list(media.iterdir()) == []


@pytest.mark.django_db
def test_restore_refuses_a_database_that_has_records(small_archive, tmp_path):
    OrganizationFactory(name="测试县人民政府")
    media_root = tmp_path / "restored-media"

    message = _restore_refused(small_archive, "default", media_root)

    assert "不是空的" in message and "auth_permission" in message
    assert Organization.objects.get().name == "测试县人民政府"
    assert not media_root.exists()


@pytest.mark.django_db
def test_restore_refuses_a_non_empty_media_directory(small_archive, empty_database, tmp_path):
    media_root = tmp_path / "restored-media"
    media_root.mkdir()
    (media_root / "old.pdf").write_bytes(b"%PDF-1.4\n")

    message = _restore_refused(small_archive, empty_database, media_root)

    assert "附件目录" in message and "不是空的" in message
    assert [p.name for p in media_root.iterdir()] == ["old.pdf"]
    with connections[empty_database].cursor() as cursor:
        assert connections[empty_database].introspection.table_names(cursor) == []


@pytest.mark.django_db
def test_restore_never_loses_the_tables_of_another_application_in_the_target(small_archive, empty_database, tmp_path):
    target = connections[empty_database]
    with target.cursor() as cursor:
        cursor.execute("CREATE TABLE unrelated (x integer)")
        cursor.execute("INSERT INTO unrelated VALUES (42)")
    media_root = tmp_path / "restored-media"

    if target.vendor == "sqlite":  # SQLite's backup API would replace the whole file: refused
        assert "已有其他数据表" in _restore_refused(small_archive, empty_database, media_root)
        assert not media_root.exists()
    else:  # pg_restore adds our tables beside it
        call_command(
            "restore",
            str(small_archive),
            "--database",
            empty_database,
            "--media-root",
            str(media_root),
            stdout=io.StringIO(),
        )
        assert ContentType.objects.using(empty_database).count() == ContentType.objects.count()
    with target.cursor() as cursor:
        cursor.execute("SELECT x FROM unrelated")
        assert cursor.fetchall() == [(42,)]


@pytest.mark.django_db
def test_restore_refuses_an_archive_whose_file_was_changed(small_archive, empty_database, tmp_path):
    members = _members(small_archive)
    members["media/requests/2026/11/identity"] += b"tampered"
    tampered = _write(tmp_path / "tampered.tar.gz", members)
    media_root = tmp_path / "restored-media"

    message = _restore_refused(tampered, empty_database, media_root)

    assert "校验失败" in message and "media/requests/2026/11/identity" in message
    _assert_untouched(empty_database, media_root)


@pytest.mark.django_db
def test_restore_refuses_an_archive_with_a_file_the_manifest_does_not_list(small_archive, empty_database, tmp_path):
    members = _members(small_archive)
    manifest = _manifest(members)
    planted = _write(
        tmp_path / "planted.tar.gz", _with_manifest({**members, "media/extra.html": b"<script>"}, manifest)
    )
    media_root = tmp_path / "restored-media"

    message = _restore_refused(planted, empty_database, media_root)

    assert "多出清单中没有的 1 个文件（media/extra.html）" in message
    _assert_untouched(empty_database, media_root)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(lambda archive, tmp: b"not a backup\n", "不是本系统的备份文件", id="text file"),
        pytest.param(
            lambda archive, tmp: _write(tmp / "other.tar.gz", {"notes.txt": b"hello"}).read_bytes(),
            "不是本系统的备份文件",
            id="another tar.gz",
        ),
        pytest.param(
            lambda archive, tmp: _write(
                tmp / "escape.tar.gz", {"media/../../etc/cron.d/x": b"* * * * * root sh"}
            ).read_bytes(),
            "不是本系统的备份文件",
            id="path outside the media directory",
        ),
        pytest.param(
            lambda archive, tmp: _write(
                tmp / "cut.tar.gz", {k: v for k, v in _members(archive).items() if k != "manifest.json"}
            ).read_bytes(),
            "不完整",
            id="archive cut before its manifest",
        ),
        pytest.param(
            lambda archive, tmp: archive.read_bytes()[: archive.stat().st_size // 2],
            "不完整",
            id="truncated file",
        ),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_whole_backup(small_archive, empty_database, tmp_path, content, expected):
    wrong = tmp_path / "wrong.tar.gz"
    wrong.write_bytes(content(small_archive, tmp_path))
    media_root = tmp_path / "restored-media"

    message = _restore_refused(wrong, empty_database, media_root)

    assert expected in message
    _assert_untouched(empty_database, media_root)


@pytest.mark.django_db
def test_restore_refuses_an_archive_of_the_other_database_vendor(small_archive, empty_database, tmp_path):
    members = _members(small_archive)
    manifest = _manifest(members)
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    ours, theirs = backup.DATABASE_MEMBERS[connection.vendor], backup.DATABASE_MEMBERS[other]
    members[theirs] = members.pop(ours)
    manifest["files"][theirs] = manifest["files"].pop(ours)
    manifest["database"].update(vendor=other, member=theirs)
    foreign = _write(tmp_path / "foreign.tar.gz", _with_manifest(members, manifest))
    media_root = tmp_path / "restored-media"

    message = _restore_refused(foreign, empty_database, media_root)

    assert "只能恢复到同一种数据库" in message
    _assert_untouched(empty_database, media_root)


@pytest.mark.django_db
def test_restore_refuses_an_archive_from_a_newer_program(small_archive, empty_database, tmp_path):
    members = _members(small_archive)
    manifest = _manifest(members)
    manifest["migrations"]["catalog"].append("9999_from_the_future")
    newer = _write(tmp_path / "newer.tar.gz", _with_manifest(members, manifest))
    media_root = tmp_path / "restored-media"

    message = _restore_refused(newer, empty_database, media_root)

    assert "较新版本" in message and "catalog.9999_from_the_future" in message
    _assert_untouched(empty_database, media_root)


@pytest.mark.django_db
def test_a_database_dump_that_cannot_be_restored_leaves_everything_as_it_was(small_archive, empty_database, tmp_path):
    # Consistent checksums over a broken dump: the database restore itself fails.
    members = _members(small_archive)
    manifest = _manifest(members)
    member = manifest["database"]["member"]
    members[member] = b"PGDMP broken" + b"\0" * 4096
    manifest["files"][member] = {"size": len(members[member]), "sha256": hashlib.sha256(members[member]).hexdigest()}
    broken = _write(tmp_path / "broken.tar.gz", _with_manifest(members, manifest))
    media_root = tmp_path / "restored-media"

    message = _restore_refused(broken, empty_database, media_root)

    assert "恢复数据库" in message and "未改动" in message
    _assert_untouched(empty_database, media_root)


def test_a_refused_restore_exits_non_zero_with_the_message_and_no_traceback(tmp_path):
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a backup\n")
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'target.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    done = subprocess.run(
        [sys.executable, "manage.py", "restore", str(wrong)],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert "不是本系统的备份文件" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "target.sqlite3").exists() and not (tmp_path / "media").exists()


# PostgreSQL ------------------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_pg_dump_and_pg_restore_get_the_password_from_the_environment_only(
    small_archive, empty_database, tmp_path, monkeypatch
):
    password = "s3cret-Backup-pw"  # the test server trusts local connections and ignores it
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", password)
    monkeypatch.setitem(connections[empty_database].settings_dict, "PASSWORD", password)
    calls = []
    real_run = subprocess.run

    def recording_run(arguments, **kwargs):
        calls.append((arguments, kwargs["env"]))
        return real_run(arguments, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", recording_run)
    archive = tmp_path / "with-password.tar.gz"

    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    call_command(
        "restore", str(archive), "--database", empty_database, "--media-root", str(tmp_path / "m"), stdout=io.StringIO()
    )

    assert [Path(arguments[0]).name for arguments, _ in calls] == ["pg_dump", "pg_restore"]
    for arguments, env in calls:
        assert not any(password in argument for argument in arguments)
        assert env["PGPASSWORD"] == password


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pg_restore_failing_halfway_is_rolled_back_entirely(small_archive, empty_database, tmp_path):
    # An unrelated relation named like one of our indexes: pg_restore fails after the tables and their data
    # were loaded, when it creates the indexes.
    with connections[empty_database].cursor() as cursor:
        cursor.execute("CREATE TABLE unrelated (x integer)")
        cursor.execute("CREATE INDEX search_vector_gin ON unrelated (x)")
    media_root = tmp_path / "restored-media"

    message = _restore_refused(small_archive, empty_database, media_root)

    assert "pg_restore" in message and "回滚" in message and "search_vector_gin" in message
    with connections[empty_database].cursor() as cursor:
        assert connections[empty_database].introspection.table_names(cursor) == ["unrelated"]
    assert not media_root.exists()
