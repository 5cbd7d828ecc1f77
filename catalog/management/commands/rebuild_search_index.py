import time

from django.core.management.base import BaseCommand

from catalog.search import indexing


class Command(BaseCommand):
    help = (
        "重建全文检索索引：重新分词全部已发布信息，分批进行、每批一个事务，进度显示在标准错误输出。"
        "重建期间检索照常可用，发布信息最多等待一批的时间。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="每批处理的信息条数（默认 500）")
        parser.add_argument("--workers", type=int, default=1, help="并行分词的进程数（默认 1；可设为 CPU 核数）")

    def handle(self, *args, batch_size: int, workers: int, **options):
        started = time.monotonic()
        progress = _Progress(self.stderr if options["verbosity"] > 0 else None, started)
        count = indexing.rebuild(batch_size=max(1, batch_size), workers=max(1, workers), progress=progress)
        progress.finish()
        seconds = time.monotonic() - started
        rate = count / seconds if seconds else 0
        self.stdout.write(f"已重建检索索引：{count} 条信息，用时 {seconds:.1f} 秒（每秒 {rate:.0f} 条）。")


class _Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream, started: float):
        self.stream, self.started, self.drawn, self.last = stream, started, 0.0, ""

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.stream is None or (now - self.drawn < 0.1 and done < total):
            return
        self.drawn = now
        fraction = done / total if total else 1
        bar = "#" * int(fraction * self.WIDTH)
        elapsed = now - self.started
        eta = elapsed / fraction - elapsed if fraction else 0
        self.last = f"\r[{bar:<{self.WIDTH}}] {done}/{total} 条 {fraction:6.1%}  剩余约 {eta:.0f} 秒"
        self.stream.write(self.last, ending="")
        self.stream.flush()

    def finish(self) -> None:
        if self.stream is not None and self.last:
            self.stream.write("")
