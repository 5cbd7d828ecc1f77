"""Fault injection for the tests of tests/faults: a full or read-only disk, a private Redis server."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

REDIS_PORT = 6391


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


class DiskFault:
    """Make FileSystemStorage fail like a full disk (ENOSPC half-way through the file, which stays behind
    unless someone removes it) or a directory without write permission (EACCES before anything is written),
    from the (after+1)-th file saved on."""

    def __init__(self, monkeypatch, kind: str, after: int = 0):
        self.kind, self.after, self.calls = kind, after, 0
        original = FileSystemStorage._save

        def failing_save(storage, name, content):
            self.calls += 1
            if self.calls <= self.after:
                return original(storage, name, content)
            if self.kind == "permission":
                raise PermissionError(errno.EACCES, "Permission denied", storage.path(name))
            path = storage.path(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(content.read(16))  # the part that fitted
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(FileSystemStorage, "_save", failing_save)


@pytest.fixture(params=["full", "permission"])
def disk_fault(request, monkeypatch):
    """A factory: disk_fault(after=n) lets n files through, then fails every save."""
    return lambda after=0: DiskFault(monkeypatch, request.param, after)


@pytest.fixture
def expected_message(disk_fault, request):
    return "服务器存储空间不足" if request.node.callspec.params["disk_fault"] == "full" else "服务器没有文件写入权限"


class PrivateRedis:
    """A redis-server of the test's own (never the shared one on 6379), stopped and started at will."""

    def __init__(self, port: int, workdir: Path):
        self.port, self.workdir, self.process = port, workdir, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while not self._answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=5)
            self.process = None


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        from tests.conftest import _skip_or_fail

        _skip_or_fail("REQUIRE_REDIS", "redis-server is not installed (apt install redis-server)")
    server = PrivateRedis(REDIS_PORT, tmp_path)
    server.start()
    yield server
    server.stop()
