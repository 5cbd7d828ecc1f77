"""Backup and restore of a whole installation: the database and MEDIA_ROOT in one .tar.gz file.

An archive holds, in this order:

- ``database/postgresql.dump`` (``pg_dump --format=custom`` taken in an exported snapshot) or
  ``database/sqlite3.db`` (a copy made with SQLite's online backup API, safe while the site runs);
- ``media/<path>`` for every regular file under MEDIA_ROOT, streamed into the archive;
- ``manifest.json``: when and from what it was made, the applied migrations, the record count of every
  model table (read in the same snapshot as the dump) and the size and SHA-256 of every other member.

A restore only ever writes into an empty database and an empty media directory, and only after the whole
archive has been read and checked against its manifest: the files are unpacked into a staging directory
inside the media directory, the database is restored in one transaction, the record counts are compared
with the manifest, and only then are the files moved into place. Whatever is refused or fails leaves the
target as it was.

This module knows no app of the project: the tables come from ``apps.get_models()``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, called with argument lists
import tarfile
import tempfile
import time
import tomllib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from .errors import DomainError

FORMAT = "gov-disclosure-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_MEMBERS = {"postgresql": "database/postgresql.dump", "sqlite": "database/sqlite3.db"}
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
# Staging directories of a running restore live inside the media directory (same file system, so the
# files are moved in by rename); a backup skips them and an emptiness check ignores them.
STAGING_PREFIX = ".restore-"
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
CHUNK = 1024 * 1024
# libpq connection parameters that may come from DATABASES[...]["OPTIONS"] (DATABASE_URL's query string).
LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "gssencmode",
    "service",
    "passfile",
}

Log = Callable[[str], None]


class BackupError(DomainError):
    """A backup or restore was refused or failed; str(error) tells the operator what to do."""


@dataclass
class BackupResult:
    path: Path
    size: int
    seconds: float
    manifest: dict


@dataclass
class RestoreResult:
    manifest: dict
    records: int
    tables: int
    media_files: int
    media_bytes: int
    seconds: float
    pending_migrations: list[str] = field(default_factory=list)


def _silent(message: str) -> None:
    pass


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _quote(name: str) -> str:
    """An SQL identifier quoted for both PostgreSQL and SQLite."""
    return '"' + name.replace('"', '""') + '"'


def model_tables() -> dict[str, str]:
    """{model label: table} of every table the installed apps own (many-to-many tables included)."""
    tables: dict[str, str] = {}
    seen: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.swapped or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        tables[meta.label_lower] = meta.db_table
    return dict(sorted(tables.items()))


def _our_tables() -> set[str]:
    return set(model_tables().values()) | {"django_migrations"}


def _project() -> dict:
    pyproject = Path(getattr(settings, "BASE_DIR", ".")) / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        project = {}
    return {"name": project.get("name", "unknown"), "version": project.get("version", "unknown")}


def _inspect(cursor, existing: set[str]) -> tuple[dict, dict]:
    """(records, migrations) read through cursor: row counts of the model tables, applied migrations per app."""
    if "django_migrations" not in existing:
        raise BackupError("数据库尚未初始化（没有 django_migrations 表）：请先运行 python manage.py migrate。")
    records = {}
    for label, table in model_tables().items():
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - quoted model table name
            records[label] = {"table": table, "count": cursor.fetchone()[0]}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations: dict[str, list[str]] = {}
    for app_label, name in cursor.fetchall():
        migrations.setdefault(app_label, []).append(name)
    return records, dict(sorted(migrations.items()))


# PostgreSQL --------------------------------------------------------------------------------------------


def _conninfo_value(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def postgres_connection(settings_dict: dict) -> tuple[str, dict[str, str]]:
    """(libpq connection string, environment) for pg_dump/pg_restore.

    The password goes only into the child's environment (PGPASSWORD): a command line is visible to every
    user of the machine in `ps`.
    """
    params = {
        "host": settings_dict.get("HOST") or "",
        "port": str(settings_dict.get("PORT") or ""),
        "user": settings_dict.get("USER") or "",
        "dbname": settings_dict.get("NAME") or "",
    }
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key in LIBPQ_OPTIONS and value not in (None, ""):
            params[key] = str(value)
    conninfo = " ".join(f"{key}={_conninfo_value(value)}" for key, value in params.items() if value)
    env = {**os.environ}
    password = settings_dict.get("PASSWORD") or ""
    if password:
        env["PGPASSWORD"] = password
    return conninfo, env


def _client(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise BackupError(
            f"找不到 PostgreSQL 客户端程序 {program}：请安装与数据库服务器同一主版本的客户端"
            "（Debian：apt install postgresql-client-15），或把它所在的目录加入 PATH。"
        )
    return path


def _run(arguments: list[str], env: dict[str, str], failure: str) -> None:
    """Run a PostgreSQL client; BackupError(failure + the last lines it printed) when it fails."""
    try:
        completed = subprocess.run(arguments, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as error:
        raise BackupError(f"{failure}无法运行 {arguments[0]}（{error.strerror}）。") from None
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.strip().splitlines() if line.strip()]
        detail = "\n".join(lines[-8:]) or f"退出码 {completed.returncode}"
        raise BackupError(f"{failure}\n{detail}")


def _dump_postgresql(using: str, dest: Path, log: Log) -> tuple[dict, dict, str]:
    pg_dump = _client("pg_dump")
    conninfo, env = postgres_connection(connections[using].settings_dict)
    # The counts in the manifest and the dump must describe the same moment: pg_dump runs inside the
    # snapshot this read-only transaction exports, and the counts are read in the transaction itself.
    conn = connections[using].copy()
    try:
        conn.ensure_connection()
        with conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            log(f"正在导出 PostgreSQL 数据库 {conn.settings_dict['NAME']}（pg_dump）…")
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--compress=0",  # the archive is gzipped as a whole; compressing twice costs time only
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={dest}",
                    f"--dbname={conninfo}",
                ],
                env,
                "导出数据库（pg_dump）失败，没有生成备份：",
            )
            records, migrations = _inspect(cursor, set(conn.introspection.table_names(cursor)))
            cursor.execute("COMMIT")
        version = conn.pg_version
    except DatabaseError as error:
        raise BackupError(f"读取数据库失败：{error}") from None
    finally:
        conn.close()
    return records, migrations, f"{version // 10000}.{version % 10000}"


def _restore_postgresql(connection, dump: Path) -> None:
    pg_restore = _client("pg_restore")
    conninfo, env = postgres_connection(connection.settings_dict)
    _run(
        [
            pg_restore,
            "--no-password",
            "--single-transaction",  # all or nothing: a failure leaves the database empty
            "--exit-on-error",
            "--no-owner",  # objects belong to the restoring user, whatever role made the backup
            "--no-privileges",
            f"--dbname={conninfo}",
            str(dump),
        ],
        env,
        "恢复数据库（pg_restore）失败，已整体回滚：目标数据库和附件目录均未改动。",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # pg_restore leaves the planner without statistics


# SQLite ------------------------------------------------------------------------------------------------


def _dump_sqlite(using: str, dest: Path, log: Log) -> tuple[dict, dict, str]:
    connection = connections[using]
    log(f"正在复制 SQLite 数据库 {connection.settings_dict['NAME']}（在线备份）…")
    try:
        connection.ensure_connection()
        copy = sqlite3.connect(dest)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        copy = sqlite3.connect(f"{dest.as_uri()}?mode=ro", uri=True)
        try:
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"数据库副本自检未通过（{check}）：请检查原数据库文件是否损坏。")
            cursor = copy.cursor()
            existing = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            records, migrations = _inspect(cursor, existing)
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise BackupError(f"复制 SQLite 数据库失败：{error}") from None
    return records, migrations, sqlite3.sqlite_version


def _restore_sqlite(connection, dump: Path) -> None:
    try:
        source = sqlite3.connect(f"{dump.as_uri()}?mode=ro", uri=True)
        try:
            check = source.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"备份中的数据库未通过自检（{check}），没有恢复；目标数据库未改动。")
            connection.ensure_connection()
            if connection.in_atomic_block:
                raise BackupError("目标数据库连接处于事务之中，无法恢复。")
            # One step (all pages) inside SQLite's own write transaction on the target.
            source.backup(connection.connection)
        finally:
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"恢复数据库失败，目标数据库未改动：{error}") from None


# Archive writing ---------------------------------------------------------------------------------------


class _HashingReader:
    """A file wrapper that hashes and counts what tarfile copies out of it, chunk by chunk."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _add_file(tar: tarfile.TarFile, arcname: str, path: Path) -> dict | None:
    """Stream path into tar; its size and SHA-256, or None when it vanished before it could be opened."""
    try:
        handle = open(path, "rb")  # closed below; an open file survives a later deletion
    except FileNotFoundError:
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(arcname)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = 0o640
        reader = _HashingReader(handle)
        try:
            tar.addfile(info, reader)
        except OSError as error:
            if "unexpected end of data" in str(error):
                raise BackupError(f"文件在备份过程中被截短：{path}。请稍后重新备份。") from None
            raise
    return {"size": reader.size, "sha256": reader.sha256.hexdigest()}


def _media_files(media_root: Path, log: Log) -> list[tuple[str, Path]]:
    """(path inside the archive, file) of every regular file under media_root, in a stable order."""
    if not media_root.is_dir():
        log(f"附件目录 {media_root} 不存在，备份中没有附件。")
        return []
    found = []
    for directory, dirnames, filenames in os.walk(media_root):
        here = Path(directory)
        if here == media_root:
            dirnames[:] = [name for name in dirnames if not name.startswith(STAGING_PREFIX)]
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink() or not path.is_file():
                log(f"跳过非普通文件：{path}")
                continue
            found.append((MEDIA_PREFIX + path.relative_to(media_root).as_posix(), path))
    return found


def _output_path(output: str | os.PathLike | None) -> Path:
    name = f"disclosure-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
    if output is None:
        directory = Path(settings.BASE_DIR) / "var" / "backups"
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return directory / name
    path = Path(output).expanduser().absolute()
    if path.is_dir():
        return path / name
    if not path.parent.is_dir():
        raise BackupError(f"备份文件所在的目录不存在：{path.parent}")
    return path


def create_backup(
    output: str | os.PathLike | None = None,
    *,
    using: str = DEFAULT_DB_ALIAS,
    media_root: str | os.PathLike | None = None,
    log: Log = _silent,
) -> BackupResult:
    """Write one archive of the database `using` and of media_root (default MEDIA_ROOT); see the module doc.

    The archive is written under a temporary name, made readable by its owner only (it holds applicants'
    personal data) and renamed into place when complete: a failed backup leaves no archive behind.
    """
    started = time.monotonic()
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"不支持备份 {vendor} 数据库：只支持 PostgreSQL 和 SQLite。")
    media_root = Path(media_root or settings.MEDIA_ROOT).absolute()
    path = _output_path(output)
    if path.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(f"备份文件不能放在附件目录（MEDIA_ROOT：{media_root}）之内，请换一个目录。")
    partial = path.with_name(path.name + ".partial")
    workdir = None
    try:
        workdir = Path(tempfile.mkdtemp(prefix=".backup-", dir=path.parent))
        dump = workdir / "database"
        dump_postgres_or_sqlite = _dump_postgresql if vendor == "postgresql" else _dump_sqlite
        records, migrations, server_version = dump_postgres_or_sqlite(using, dump, log)
        log(f"数据库已导出：{len(records)} 张表，共 {sum(r['count'] for r in records.values())} 条记录。")
        media = _media_files(media_root, log)
        log(f"正在打包附件：{len(media)} 个文件 …")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with open(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                files = {DATABASE_MEMBERS[vendor]: _add_file(tar, DATABASE_MEMBERS[vendor], dump)}
                media_bytes = 0
                for number, (arcname, file_path) in enumerate(media, start=1):
                    entry = _add_file(tar, arcname, file_path)
                    if entry is None:
                        log(f"文件在备份过程中已被删除，跳过：{file_path}")
                        continue
                    files[arcname] = entry
                    media_bytes += entry["size"]
                    if number % 1000 == 0:
                        log(f"  已打包 {number}/{len(media)} 个附件（{human_size(media_bytes)}）…")
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": timezone.localtime().isoformat(timespec="seconds"),
                    "host": socket.gethostname(),
                    "project": _project(),
                    "django_version": django.get_version(),
                    "python_version": platform.python_version(),
                    "database": {
                        "vendor": vendor,
                        "server_version": server_version,
                        "name": str(connection.settings_dict["NAME"]),
                        "member": DATABASE_MEMBERS[vendor],
                    },
                    "migrations": migrations,
                    "records": records,
                    "media": {"files": len(files) - 1, "bytes": media_bytes},
                    "files": files,
                }
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(time.time())
                info.mode = 0o640
                tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except OSError as error:
        raise BackupError(
            f"写入备份失败（{error.strerror or error}）：{getattr(error, 'filename', '') or path}"
        ) from None
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        partial.unlink(missing_ok=True)
    size = path.stat().st_size
    seconds = time.monotonic() - started
    log(
        f"备份完成：{path}（{human_size(size)}；数据库 {sum(r['count'] for r in records.values())} 条记录，"
        f"附件 {manifest['media']['files']} 个共 {human_size(media_bytes)}），用时 {seconds:.1f} 秒。"
    )
    return BackupResult(path=path, size=size, seconds=seconds, manifest=manifest)


# Restore -----------------------------------------------------------------------------------------------


NOT_OURS = "不是本系统的备份文件（应为 manage.py backup 生成的 .tar.gz 文件）"


def _member_kind(name: str) -> str | None:
    """'manifest', 'database' or 'media' for a member name an archive of ours may hold, else None."""
    if name == MANIFEST:
        return "manifest"
    if name in DATABASE_MEMBERS.values():
        return "database"
    path = PurePosixPath(name)
    if (
        name.startswith(MEDIA_PREFIX)
        and not path.is_absolute()
        and len(path.parts) > 1
        and all(part not in {"", ".", ".."} for part in path.parts)
        and "\\" not in name
    ):
        return "media"
    return None


def _extract(archive: Path, staging: Path, log: Log) -> tuple[bytes | None, dict[str, tuple[int, str]]]:
    """Unpack archive into staging, hashing every member; (manifest bytes, {member: (size, sha256)})."""
    found: dict[str, tuple[int, str]] = {}
    manifest = None
    try:
        tar = tarfile.open(archive, mode="r|gz")
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise BackupError(f"{archive}：{NOT_OURS}，它不是 gzip 压缩的 tar 归档。") from None
    try:
        with tar:
            for index, member in enumerate(tar):
                kind = _member_kind(member.name)
                if kind is None or not member.isfile():
                    if index == 0:
                        raise BackupError(f"{archive}：{NOT_OURS}。")
                    raise BackupError(f"{archive}：备份文件中有不应有的内容“{member.name}”，可能被改动过，拒绝恢复。")
                if member.name in found:
                    raise BackupError(f"{archive}：备份文件中“{member.name}”出现了两次，可能被改动过，拒绝恢复。")
                source = tar.extractfile(member)
                digest = hashlib.sha256()
                size = 0
                if kind == "manifest":
                    if member.size > MANIFEST_MAX_BYTES:
                        raise BackupError(f"{archive}：{NOT_OURS}（清单过大）。")
                    manifest = source.read()
                    digest.update(manifest)
                    size = len(manifest)
                else:
                    target = staging / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(target, "xb") as out:
                        while chunk := source.read(CHUNK):
                            digest.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                    os.utime(target, (member.mtime, member.mtime))
                found[member.name] = (size, digest.hexdigest())
                if len(found) % 1000 == 0:
                    log(f"  已读取 {len(found)} 个文件…")
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"{archive}：备份文件已损坏或不完整（{error}），拒绝恢复。") from None
    except OSError as error:
        raise BackupError(f"解包到临时目录 {staging} 失败（{error.strerror or error}），拒绝恢复。") from None
    return manifest, found


def _parse_manifest(archive: Path, data: bytes | None, found: dict) -> dict:
    if data is None:
        if any(name in found for name in DATABASE_MEMBERS.values()):
            # The manifest is the last member: an archive cut short (disk full, interrupted copy) ends early.
            raise BackupError(
                f"{archive}：备份文件不完整（末尾的清单 {MANIFEST} 缺失，可能在写入或复制时被截断），拒绝恢复。"
            )
        raise BackupError(f"{archive}：{NOT_OURS}（缺少 {MANIFEST}）。")
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BackupError(f"{archive}：{NOT_OURS}（{MANIFEST} 无法读取）。") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}：{NOT_OURS}。")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"{archive}：备份格式版本为 {version}，本程序只能恢复第 {FORMAT_VERSION} 版，请使用相应版本的程序。"
        )
    try:
        files = manifest["files"]
        database = manifest["database"]
        ok = (
            all(isinstance(e["size"], int) and isinstance(e["sha256"], str) for e in files.values())
            and database["member"] == DATABASE_MEMBERS.get(database["vendor"])
            and database["member"] in files
            and all(isinstance(r["table"], str) and isinstance(r["count"], int) for r in manifest["records"].values())
            and all(isinstance(n, list) for n in manifest["migrations"].values())
        )
    except (KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise BackupError(f"{archive}：备份清单 {MANIFEST} 内容不完整或格式不对，可能被改动过，拒绝恢复。")
    return manifest


def _verify_checksums(archive: Path, manifest: dict, found: dict[str, tuple[int, str]]) -> None:
    expected = manifest["files"]
    present = set(found) - {MANIFEST}
    missing = sorted(set(expected) - present)
    extra = sorted(present - set(expected))
    wrong = sorted(
        name
        for name in set(expected) & present
        if found[name] != (expected[name]["size"], expected[name]["sha256"].lower())
    )
    if not (missing or extra or wrong):
        return
    problems = []
    if wrong:
        problems.append(f"{len(wrong)} 个文件的大小或 SHA-256 校验值与清单不符（{'、'.join(wrong[:3])}）")
    if missing:
        problems.append(f"缺少清单中的 {len(missing)} 个文件（{'、'.join(missing[:3])}）")
    if extra:
        problems.append(f"多出清单中没有的 {len(extra)} 个文件（{'、'.join(extra[:3])}）")
    raise BackupError(
        f"{archive}：备份文件校验失败，{'；'.join(problems)}。备份可能已损坏或被改动，拒绝恢复；"
        "数据库和附件目录均未改动。"
    )


def _check_compatible(manifest: dict, connection) -> list[str]:
    """Refuse an archive of another database vendor or from a newer program; the migrations still to run."""
    source = manifest["database"]["vendor"]
    if source != connection.vendor:
        raise BackupError(
            f"这份备份来自 {VENDOR_NAMES.get(source, source)} 数据库，而目标数据库是 "
            f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)}：只能恢复到同一种数据库。"
            "（更换数据库种类请另行迁移数据。）"
        )
    disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app_label, name) for app_label, names in manifest["migrations"].items() for name in names}
    unknown = sorted(applied - disk)
    if unknown:
        names = "、".join(f"{a}.{n}" for a, n in unknown[:5])
        raise BackupError(
            f"这份备份来自较新版本的程序：其中有 {len(unknown)} 个本程序没有的数据库迁移（{names}）。"
            "请先把程序升级到备份时的版本，再恢复。"
        )
    return sorted(f"{a}.{n}" for a, n in disk - applied)


def _check_target_empty(connection) -> None:
    """Refuse a target holding any of our tables (with rows or not), or for SQLite any table at all: SQLite's
    backup API replaces the whole file, while pg_restore only adds its own objects beside others."""
    name = connection.settings_dict["NAME"]
    try:
        with connection.cursor() as cursor:
            tables = set(connection.introspection.table_names(cursor))
            present = sorted(tables & _our_tables())
            filled = []
            for table in present:
                cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608 - quoted table name
                if cursor.fetchone() is not None:
                    filled.append(table)
    except DatabaseError as error:
        raise BackupError(
            f"无法连接目标数据库“{name}”：{str(error).strip()}。PostgreSQL 请先用 createdb 建好空数据库。"
        ) from None
    if filled:
        raise BackupError(
            f"目标数据库“{name}”不是空的：{len(filled)} 张本系统的数据表已有数据（如 {'、'.join(filled[:3])}）。"
            "恢复只能在全新的空数据库中进行，不会覆盖现有数据；请新建一个空数据库"
            "（PostgreSQL：createdb；SQLite：指定一个新文件）后再恢复。"
        )
    if present:
        raise BackupError(
            f"目标数据库“{name}”已建有本系统的 {len(present)} 张数据表（可能运行过 migrate）。"
            "恢复需要全新的空数据库：请删除后重新建库（不要运行 migrate），再恢复。"
        )
    if connection.vendor == "sqlite" and tables:
        raise BackupError(
            f"目标 SQLite 文件“{name}”里已有其他数据表（如 {'、'.join(sorted(tables)[:3])}），"
            "恢复会整体覆盖这个文件。请指定一个新的文件名后再恢复。"
        )


def _check_media_target(media_root: Path) -> None:
    if media_root.exists() and not media_root.is_dir():
        raise BackupError(f"附件目录 {media_root} 不是目录。")
    if media_root.is_dir() and any(not p.name.startswith(STAGING_PREFIX) for p in media_root.iterdir()):
        raise BackupError(
            f"附件目录 {media_root} 不是空的。为免覆盖或混入现有文件，请恢复到空目录"
            "（用 --media-root 指定一个新目录，或先把现有目录改名留存）。"
        )


def _verify_counts(connection, manifest: dict) -> tuple[int, int]:
    wrong = []
    total = 0
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for label, entry in manifest["records"].items():
            table = entry["table"]
            count = None
            if table in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - quoted table name
                count = cursor.fetchone()[0]
            if count != entry["count"]:
                wrong.append(f"{label}（清单 {entry['count']} 条，恢复后 {'无此表' if count is None else count}）")
            total += count or 0
    if wrong:
        raise BackupError(
            f"数据库已恢复，但 {len(wrong)} 张表的记录数与清单不符：{'；'.join(wrong[:5])}。"
            "附件没有放入附件目录。请删除该数据库、重新建空库后再试，或换一份备份。"
        )
    return len(manifest["records"]), total


def _move_media(staged: Path, media_root: Path) -> None:
    if not staged.is_dir():
        return
    for entry in sorted(staged.iterdir()):
        os.replace(entry, media_root / entry.name)


def restore_backup(
    archive: str | os.PathLike,
    *,
    using: str = DEFAULT_DB_ALIAS,
    media_root: str | os.PathLike | None = None,
    log: Log = _silent,
) -> RestoreResult:
    """Restore archive into the empty database `using` and the empty media_root (default MEDIA_ROOT).

    Refused with BackupError, before anything is written, when the target database or media directory is
    not empty, the file is not one of our archives, a member does not match its checksum, or the archive
    comes from another database vendor or a newer program. Afterwards every table's record count is
    compared with the manifest.
    """
    started = time.monotonic()
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    connection = connections[using]
    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError(f"不支持恢复到 {connection.vendor} 数据库：只支持 PostgreSQL 和 SQLite。")
    media_root = Path(media_root or settings.MEDIA_ROOT).absolute()
    new_sqlite_file = _new_sqlite_file(connection)
    created_root = not media_root.exists()
    staging = None
    succeeded = False
    try:
        _check_target_empty(connection)
        _check_media_target(media_root)
        try:
            media_root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=media_root))
            log(f"正在读取并校验备份文件 {archive}（{human_size(archive.stat().st_size)}）…")
            data, found = _extract(archive, staging, log)
            manifest = _parse_manifest(archive, data, found)
            _verify_checksums(archive, manifest, found)
            log(
                f"校验通过：{len(found)} 个文件的大小和 SHA-256 与清单一致（备份于 {manifest['created_at']}，"
                f"来自 {VENDOR_NAMES.get(manifest['database']['vendor'])} 数据库 {manifest['database']['name']}）。"
            )
            pending = _check_compatible(manifest, connection)
            _check_target_empty(connection)  # again: someone may have written to it while we were reading
            log(f"正在恢复数据库到 {connection.settings_dict['NAME']} …")
            dump = staging / manifest["database"]["member"]
            if connection.vendor == "postgresql":
                _restore_postgresql(connection, dump)
            else:
                _restore_sqlite(connection, dump)
            tables, records = _verify_counts(connection, manifest)
            log(f"数据库已恢复：{tables} 张表共 {records} 条记录，与清单逐表一致。")
            _move_media(staging / "media", media_root)
            log(
                f"附件已放入 {media_root}：{manifest['media']['files']} 个文件，"
                f"共 {human_size(manifest['media']['bytes'])}。"
            )
        except OSError as error:
            where = getattr(error, "filename", None) or media_root
            raise BackupError(f"恢复失败（{error.strerror or error}）：{where}") from None
        except DatabaseError as error:
            raise BackupError(f"恢复数据库失败：{str(error).strip()}") from None
        succeeded = True
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if not succeeded and created_root:
            _remove_if_empty(media_root)
        if not succeeded and new_sqlite_file is not None:
            # Connecting created an empty file; a refused restore leaves no trace of itself.
            connection.close()
            if new_sqlite_file.is_file() and new_sqlite_file.stat().st_size == 0:
                new_sqlite_file.unlink()
    seconds = time.monotonic() - started
    if pending:
        log(f"提示：本程序比备份多 {len(pending)} 个数据库迁移，请运行 python manage.py migrate。")
    return RestoreResult(
        manifest=manifest,
        records=records,
        tables=tables,
        media_files=manifest["media"]["files"],
        media_bytes=manifest["media"]["bytes"],
        seconds=seconds,
        pending_migrations=pending,
    )


def _new_sqlite_file(connection) -> Path | None:
    """The SQLite file the target names when it does not exist yet (connecting will create it)."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    path = Path(connection.settings_dict["NAME"])
    return None if path.exists() else path


def _remove_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass
