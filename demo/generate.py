"""Generate a realistic demo set of the files district offices send in (演示数据).

`generate` invents enterprises, staff, supervisors and eight quarters of their
records for every district of the configuration (`demo.world`, then
`demo.records`), then writes them the way real district files look
(`demo.files`, `demo.sheets`, `demo.writers`): title rows above the header,
header aliases, `*` marks and line breaks, every date form of the contract,
numbers as text, full-width digits, names that differ in spaces or bracket
width, UTF-8-BOM and GBK CSVs, an instructions sheet, a workbook with two data
sheets, and a handful of bad rows a district clerk would recognise
(`demo.planted.PLANTS`).

Each district is written in its own house style (`demo.styles.STYLES`, by
position in the district list), so every messy form appears somewhere.
Everything is drawn from `random.Random(seed)` in a fixed order, and the parts added
later (stationing history, 直通车, 智能化改造) from streams derived from the seed
(`World.stream`), which leaves the main stream's draws as they were: the same
arguments always give byte-identical files.
"""
from __future__ import annotations

import random
from contextlib import nullcontext
from pathlib import Path

from demo.files import district_files
from demo.records import make_records
from demo.span import make_span, workdays
from demo.world import build_world
from demo.writers import file_writer, write_file


def generate(out_dir: str | Path, *, scale: int = 1, seed: int = 20261, end_quarter: str | None = None,
             separate_writer: bool | None = None) -> list[Path]:
    """Write a demo set for every configured district into out_dir; returns the paths written.

    About 300 enterprises per unit of scale, eight quarters ending with end_quarter
    (default: the latest complete quarter before today). Beyond scale 1 the files are written by a
    second process while the records are invented (`separate_writer` decides either way).
    """
    if scale < 1:
        raise ValueError("规模（scale）须为不小于 1 的整数。")
    span = make_span(end_quarter)
    rng = random.Random(seed)
    world = build_world(rng, scale, span, seed)
    days = workdays(span)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    separate = scale > 1 if separate_writer is None else separate_writer
    with file_writer(out) if separate else nullcontext(lambda out_file: write_file(out, out_file)) as write:
        for plan in world.plans:
            records = make_records(rng, world, plan, days)
            for out_file in district_files(rng, world.stream("files", plan.name), plan, span, records):
                paths.append(write(out_file))
    return sorted(paths)
