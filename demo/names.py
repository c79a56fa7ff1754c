"""Invented identities: company names, person names, credit codes and ID numbers with valid check characters."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from core.codes import CHARSET as CODE_CHARSET
from core.codes import check_character

PLACE_PREFIXES = {
    "文登区": ("威海市文登区", "文登", "威海"), "荣成市": ("荣成", "荣成市", "威海"),
    "乳山市": ("乳山", "乳山市", "威海"),
}
DEFAULT_PLACE_PREFIXES = ("威海", "威海市")
BRANDS = (
    "华信 鑫源 泰和 海纳 金海 宏达 凯瑞 瑞丰 永泰 恒通 新元 东方 蓝海 远航 银河 正大 润泽 晨阳 天润 金鼎 "
    "华海 东华 明远 盛泰 龙腾 海川 丰润 利华 金诺 华盛 博宇 嘉禾 鲁东 胶东 海晟 鸿源 信诚 精诚 佳禾 万通 "
    "安泰 祥和 同兴 广源 聚源 汇川 君泰 海蓝 石岛 成山 昆嵛 赤山 荣丰 伟业 康达 联科 中科 百川 兴达 福源"
).split()
ENTERPRISE_KINDS = (
    ("化工", "化学原料和化学制品制造业"), ("精细化工", "专用化学产品制造"), ("新材料科技", "合成材料制造"),
    ("化学", "基础化学原料制造"), ("海洋生物科技", "专用化学产品制造"),
    ("涂料", "涂料、油墨、颜料及类似产品制造"),
    ("树脂", "合成材料制造"), ("橡塑制品", "橡胶和塑料制品业"), ("助剂", "专用化学产品制造"),
    ("水处理科技", "专用化学产品制造"), ("医药化工", "医药制造业"), ("胶粘剂", "专用化学产品制造"),
    ("日用化学品", "日用化学产品制造"),
)
COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
NOT_ON_ROSTER_NAME = "威海市德润祥化工有限公司"  # no brand above produces it
SURNAMES = "王王王张张刘刘李李孙孙于于丛毕林宋姜邹谷梁汤杨赵徐曲鞠董郭高许吕田夏孔隋初"
GIVEN_CHARS = ("建国明华伟强军平磊洋勇杰涛斌超鹏浩宇晨鑫昊婷静丽敏燕娜芳霞红梅玉兰"
               "秀英志刚海波东峰林辉成春雪琳晓文博立新永庆宏德福俊倩")
WIDE_GIVEN_CHARS = GIVEN_CHARS + "安邦宝彬昌忱川达丹栋凡飞刚广贵国翰皓鸿华佳坚锦景凯坤乐亮龙梦楠宁鹏琪蓉睿珊胜爽舒松婉巍维旭璇雅彦毅莹瑜越哲震政智忠卓"
RUN_OUT_AFTER = 200  # misses in a row before a name is drawn from the wider set


def org_code_check(body: str) -> str:
    """GB 11714 check character of the 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def make_credit_code(rng: random.Random, division: str) -> str:
    if rng.random() < 0.6:  # codes issued since 2015 carry an MA-series organisation code
        body = "MA" + "".join(rng.choice(CODE_CHARSET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + division + body + org_code_check(body)
    return first17 + check_character(first17)


def corrupt_check_character(code: str) -> str:
    wrong = CODE_CHARSET[(CODE_CHARSET.index(code[-1]) + 7) % len(CODE_CHARSET)]
    return code[:-1] + wrong


def id_number(rng: random.Random, division: str) -> str:
    """A citizen ID number with its GB 11643 check character."""
    birth = date(1965, 1, 1) + timedelta(days=rng.randrange(35 * 365))
    first17 = division + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def person_name(rng: random.Random, wide: bool = False) -> str:
    """A person's name; `wide` draws two given characters from a larger set, for when the usual names run out."""
    if wide:
        return rng.choice(SURNAMES) + rng.choice(WIDE_GIVEN_CHARS) + rng.choice(WIDE_GIVEN_CHARS)
    given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def fresh(draw: Callable[[bool], str], taken: Callable[[str], bool]) -> str:
    """A value `draw(False)` gives that is not yet `taken`; after RUN_OUT_AFTER misses in a row, from `draw(True)`.

    The usual names are few enough to run out at 30 times the city's size; a city-sized set never misses that
    often, so its files do not change.
    """
    misses = 0
    while True:
        value = draw(misses >= RUN_OUT_AFTER)
        if not taken(value):
            return value
        misses += 1


def unique_name(rng: random.Random, used: set[str]) -> str:
    name = fresh(lambda wide: person_name(rng, wide), used.__contains__)
    used.add(name)
    return name


def name_key(name: str) -> str:
    """What the loader compares: no spaces, half-width brackets."""
    return "".join(name.split()).replace("（", "(").replace("）", ")")


def company_name(rng: random.Random, district: str, bracketed: bool, two_brands: bool = False) -> tuple[str, str]:
    """A company name; `two_brands` joins two brand words (华信鑫源), for when the one-word names run out."""
    prefix = rng.choice(PLACE_PREFIXES.get(district, DEFAULT_PLACE_PREFIXES))
    brand = rng.choice(BRANDS) + (rng.choice(BRANDS) if two_brands else "")
    kind, industry = rng.choice(ENTERPRISE_KINDS)
    suffix = rng.choice(COMPANY_SUFFIXES)
    if bracketed and rng.random() < 0.5:
        return f"{brand}{kind}（威海）{suffix}", industry
    if bracketed:
        return f"{prefix}{brand}（集团）{kind}{suffix}", industry
    return f"{prefix}{brand}{kind}{suffix}", industry
