"""Backups that restore: the database, the media, and a manifest that says what both hold.

A backup is a folder:

    manifest.json      when, which database (vendor, server version, migrations), the number of
                       rows in every table, and the SHA-256 and size of each file below
    database.dump      PostgreSQL: ``pg_dump --format=custom`` (restored with pg_restore)
    database.sqlite3   SQLite: a copy made with SQLite's online backup API
    media.tar          every file in the media storage (file system or bucket), by its name

On PostgreSQL the row counts, the list of files the rows refer to and the dump all come from one
snapshot (``pg_export_snapshot()`` shared with ``pg_dump --snapshot``), so the manifest describes
exactly what the dump holds even while editors keep working. On SQLite the counts are read from
the copy itself. Media are archived after the database: a photo deleted in between would be
missing from the tarball, so the manifest lists any file a row refers to that was not found.

``restore`` checks every checksum first, refuses a database that already holds tables (unless
``--force``, which empties it first), restores, and compares the row counts of every table with
the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import posixpath
import sqlite3
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "hengyang-backup/1"
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
# Real tables only: an FTS5 table cannot be scanned, its shadow tables (…_data, …_idx) hold its rows.
SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
)
# Files that are never archived: the media storage's own temporary files.
SKIPPED_PREFIXES = (".partial-",)


class BackupError(Exception):
    """What went wrong, in words an operator can act on."""


Say = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


# -- helpers -----------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: Path) -> dict:
    return {"file": path.name, "bytes": path.stat().st_size, "sha256": sha256_of(path)}


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table_names(cursor=None) -> list[str]:
    """Every table in the database (on SQLite including the FTS5 table's shadow tables)."""
    if connection.vendor == "sqlite":
        close = cursor is None
        cursor = cursor or connection.cursor()
        try:
            cursor.execute(SQLITE_TABLES)
            return [row[0] for row in cursor.fetchall()]
        finally:
            if close:
                cursor.close()
    with connection.cursor() as own:
        return sorted(connection.introspection.table_names(own))


def count_rows(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def referenced_files(cursor) -> set[str]:
    """The names of every file a row refers to: file fields, and photos' renditions."""
    names: set[str] = set()
    for model, field in file_fields():
        cursor.execute(
            f"SELECT {quote(field.column)} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(field.column)} IS NOT NULL AND {quote(field.column)} <> ''"
        )
        names.update(row[0] for row in cursor.fetchall())
    photo = apps.get_model("articles", "Photo")
    cursor.execute(f"SELECT renditions FROM {quote(photo._meta.db_table)}")
    for (value,) in cursor.fetchall():
        data = json.loads(value) if isinstance(value, str) else (value or {})
        names.update(item["name"] for item in (data or {}).get("items", []) if item.get("name"))
    return names


def applied_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def storage_files(storage=None, folder: str = "") -> Iterator[str]:
    """Every file name in the media storage, depth first (works for the file system and S3)."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        if not name.startswith(SKIPPED_PREFIXES):
            yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        yield from storage_files(storage, posixpath.join(folder, sub) if folder else sub)


def libpq_environment(settings_dict: dict) -> dict[str, str]:
    """PG* variables for pg_dump and pg_restore from Django's database settings."""
    env = dict(os.environ)
    options = settings_dict.get("OPTIONS", {})
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    return env


def run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(
            f"找不到 {command[0]}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。"
        ) from exc
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败（退出码 {result.returncode}）：{result.stderr.strip()}")


# -- backing up --------------------------------------------------------------------------------


@dataclass
class DatabaseSnapshot:
    vendor: str
    server_version: str
    tables: dict[str, int]
    files: set[str]
    record: dict


def _backup_postgresql(folder: Path, say: Say) -> DatabaseSnapshot:
    target = folder / DATABASE_FILES["postgresql"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, version = cursor.fetchone()
        tables = count_rows(cursor, table_names())
        files = referenced_files(cursor)
        say(f"数据库快照 {snapshot}：{len(tables)} 张表，{sum(tables.values())} 行；正在 pg_dump …")
        run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            libpq_environment(connection.settings_dict),
        )
    return DatabaseSnapshot("postgresql", version, tables, files, file_record(target))


def _backup_sqlite(folder: Path, say: Say) -> DatabaseSnapshot:
    target = folder / DATABASE_FILES["sqlite"]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # a consistent copy, even while others write
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cursor = copy.cursor()
        cursor.execute(SQLITE_TABLES)
        tables = count_rows(cursor, [row[0] for row in cursor.fetchall()])
        version = cursor.execute("SELECT sqlite_version()").fetchone()[0]
        files = referenced_files(cursor)  # read from the copy, as the counts are
    finally:
        copy.close()
    say(f"数据库副本：{len(tables)} 张表，{sum(tables.values())} 行。")
    return DatabaseSnapshot("sqlite", version, tables, files, file_record(target))


def backup(folder: Path, *, media: bool = True, say: Say = _quiet) -> dict:
    """Write a backup into ``folder`` (created; must not exist or be empty) and return its manifest."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} 已存在且不是空目录：请换一个目录，不会覆盖已有的备份。")
    folder.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    migrations = applied_migrations()
    if connection.vendor == "postgresql":
        snapshot = _backup_postgresql(folder, say)
    elif connection.vendor == "sqlite":
        snapshot = _backup_sqlite(folder, say)
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    manifest = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "finished_at": None,
        "host": platform.node(),
        "database": {
            "vendor": snapshot.vendor,
            "server_version": snapshot.server_version,
            "name": str(connection.settings_dict.get("NAME")),
            **snapshot.record,
        },
        "migrations": migrations,
        "tables": snapshot.tables,
        "media": None,
    }
    if media:
        say("正在打包媒体文件 …")
        manifest["media"] = _backup_media(folder, snapshot.files)
        missing = manifest["media"]["missing"]
        say(
            f"媒体文件 {manifest['media']['files']} 个（{manifest['media']['content_bytes']} 字节）"
            + (f"，缺少 {len(missing)} 个" if missing else "")
            + "。"
        )
    manifest["finished_at"] = timezone.now().isoformat()
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def _backup_media(folder: Path, referenced: set[str]) -> dict:
    archive = folder / MEDIA_ARCHIVE
    count = total = 0
    present: set[str] = set()
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in storage_files():
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            present.add(name)
            count += 1
            total += len(data)
    record = file_record(archive)
    return {
        **record,
        "files": count,
        "content_bytes": total,
        "storage": settings.STORAGES["default"]["BACKEND"],
        "missing": sorted(referenced - present),
    }


# -- restoring ---------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{folder} 里没有 {MANIFEST}：这不是一个备份目录。") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')!r}（应为 {FORMAT}）。")
    return manifest


def verify(folder: Path, manifest: dict, *, media: bool = True) -> None:
    """Every file the manifest names is there, with its size and checksum."""
    records = [manifest["database"]]
    if media and manifest.get("media"):
        records.append(manifest["media"])
    for record in records:
        path = Path(folder) / record["file"]
        if not path.exists():
            raise BackupError(f"备份不完整：缺少 {record['file']}。")
        if path.stat().st_size != record["bytes"] or sha256_of(path) != record["sha256"]:
            raise BackupError(f"备份已损坏：{record['file']} 的大小或校验和与 manifest.json 不符。")


def database_is_empty() -> bool:
    return not table_names()


def restore(folder: Path, *, force: bool = False, media: bool = True, say: Say = _quiet) -> dict:
    """Restore a backup into this database (and media storage); return the manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    verify(folder, manifest, media=media)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"这是 {vendor} 数据库的备份，当前数据库是 {connection.vendor}。")
    if not database_is_empty():
        if not force:
            raise BackupError(
                f"目标数据库 {connection.settings_dict.get('NAME')} 不是空的（已有 {len(table_names())} 张表）。"
                "请恢复到新建的空数据库；确实要清空它并用备份替换，请加 --force。"
            )
        say("目标数据库不是空的：按 --force 先清空。")
    if vendor == "postgresql":
        _restore_postgresql(folder / manifest["database"]["file"], force=force)
    else:
        _restore_sqlite(folder / manifest["database"]["file"])
    mismatches = compare_counts(manifest["tables"])
    if mismatches:
        raise BackupError("恢复后的行数与备份不符：" + "；".join(mismatches))
    say(f"数据库已恢复：{len(manifest['tables'])} 张表，{sum(manifest['tables'].values())} 行，行数与备份一致。")
    if media and manifest.get("media"):
        written, same = _restore_media(folder / manifest["media"]["file"], force=force)
        say(f"媒体文件已恢复：写入 {written} 个，已存在且相同 {same} 个。")
    return manifest


def compare_counts(expected: dict[str, int]) -> list[str]:
    with connection.cursor() as cursor:
        present = set(table_names())
        problems = [f"缺少表 {table}" for table in expected if table not in present]
        counts = count_rows(cursor, [table for table in expected if table in present])
    problems += [
        f"{table}：备份 {expected[table]} 行，恢复后 {count} 行"
        for table, count in counts.items()
        if count != expected[table]
    ]
    return problems


def _restore_postgresql(dump: Path, *, force: bool) -> None:
    env = libpq_environment(connection.settings_dict)
    if force:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            cursor.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
    connection.close()  # pg_restore works in its own session
    run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={env['PGDATABASE']}",
            str(dump),
        ],
        env,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # pg_restore leaves the planner without statistics


def _restore_sqlite(copy: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(copy)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()  # reopen with the restored schema
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")


def _restore_media(archive: Path, *, force: bool) -> tuple[int, int]:
    written = same = 0
    with tarfile.open(archive, "r") as tar:
        for member in tar:
            name = member.name
            if not member.isfile() or name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"媒体包里有不安全的条目：{name!r}，已停止。")
            data = tar.extractfile(member).read()
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    if handle.read() == data:
                        same += 1
                        continue
                if not force:
                    raise BackupError(f"媒体文件 {name} 已存在且内容不同；要用备份覆盖，请加 --force。")
                default_storage.delete(name)
            saved = default_storage.save(name, ContentFile(data))
            if saved != name:
                default_storage.delete(saved)
                raise BackupError(f"媒体文件 {name} 没能以原名保存（存储给了 {saved}）。")
            written += 1
    return written, same
