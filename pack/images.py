"""Every chart of the pack as a PNG, zipped — rendered by kaleido 1.x in a headless Chromium.

kaleido finds the system's Chromium (/usr/bin/chromium on Debian) by itself. Where
there is none, `chromium_path()` is None and rendering raises `ChartImagesUnavailable`
with what to install.

Starting Chromium takes seconds, so `BackgroundRender` starts it in a worker thread
at once and renders the charts as soon as they are handed over: the command line
starts it before reading the figures and builds the documents while Chromium draws.
"""
from __future__ import annotations

import asyncio
import io
import logging
import shutil
import tempfile
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from pack.charts import PackChart, pack_charts
from pack.content import PackContent

log = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install chromium fonts-noto-cjk"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
PNG_SCALE = 2  # 1360 pixels wide for a 680-pixel chart: sharp on slides and in print
RENDER_TABS = 2


class ChartImagesUnavailable(RuntimeError):
    """Chart images cannot be rendered here; the message says what to install."""


def chromium_path() -> str | None:
    """The browser kaleido will use, or None when there is none."""
    try:
        from choreographer.browsers.chromium import Chromium

        found = Chromium.find_browser(skip_local=False)
        if found:
            return str(found)
    except Exception:  # the lookup is best effort: fall back to PATH
        log.debug("choreographer browser lookup failed", exc_info=True)
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


def _zip(paths: list[Path], stem: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in paths:
            archive.write(path, f"{stem}_图表/{path.name}")
    return buffer.getvalue()


class BackgroundRender:
    """Chromium started now in a worker thread; `submit` hands over the charts, `result` returns the zip."""

    def __init__(self) -> None:
        self._charts: Future = Future()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-png")
        self._zip = self._pool.submit(self._run)

    def __enter__(self) -> BackgroundRender:
        return self

    def __exit__(self, *exc) -> None:
        self.abandon()
        self._pool.shutdown(wait=True)

    def submit(self, stem: str, charts: list[PackChart]) -> None:
        self._charts.set_result((stem, charts))

    def abandon(self) -> None:
        """No charts will come (the data could not be read): let the worker close Chromium."""
        if not self._charts.done():
            self._charts.set_exception(ChartImagesUnavailable("没有需要生成的图表。"))

    def result(self) -> bytes:
        """The zip of PNGs; raises ChartImagesUnavailable with what to do when they could not be made."""
        return self._zip.result()

    def _run(self) -> bytes:
        if chromium_path() is None:
            raise ChartImagesUnavailable(f"本机没有安装 Chromium 浏览器，无法生成图表图片。请系统管理员安装：{INSTALL_HINT}")
        try:
            with tempfile.TemporaryDirectory(prefix="pack-png-") as folder:
                stem, paths = asyncio.run(self._render(Path(folder)))
                missing = [path.name for path in paths if not path.exists()]
                if missing:
                    raise ChartImagesUnavailable(f"有 {len(missing)} 张图表图片没有生成：{missing[0]} 等。")
                return _zip(paths, stem)
        except ChartImagesUnavailable:
            raise
        except Exception as error:
            log.exception("rendering chart images failed")
            raise ChartImagesUnavailable(
                f"生成图表图片失败（{type(error).__name__}）。请确认已安装 Chromium 与中文字体：{INSTALL_HINT}") from error

    async def _render(self, folder: Path) -> tuple[str, list[Path]]:
        import kaleido

        async with kaleido.Kaleido(n=RENDER_TABS) as renderer:
            stem, charts = await asyncio.wrap_future(self._charts)
            paths = [folder / f"{chart.name}.png" for chart in charts]
            await renderer.write_fig_from_object([
                {"fig": chart.figure, "path": str(path), "opts": {"format": "png", "scale": PNG_SCALE}}
                for chart, path in zip(charts, paths)
            ])
        return stem, paths


def render_png_zip(content: PackContent, charts: list[PackChart] | None = None) -> bytes:
    """A zip of every chart of the pack (default `pack_charts(content)`) as PNG."""
    with BackgroundRender() as rendering:
        rendering.submit(content.stem, pack_charts(content) if charts is None else charts)
        return rendering.result()
