"""Generated data for the simulated core: persons, employers and contribution histories.

Persons and employers are generated in numpy batches (fast enough for a million persons); a person's
history is a pure function of the person's seed, birth date, gender and hukou, so it can be generated at
seeding time for a share of persons and, for the others, on first access (docs/decisions/0007).
Everything is deterministic for a given seed: the same command gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from stdnum.iso7064 import mod_11_2

from sheyin.common.identifiers import make_uscc
from sheyin.common.masking import mask_id_number

from . import rates

# --- vocabulary ----------------------------------------------------------------------------------

BEIJING_CODES = [
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
    "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119",
]  # fmt: skip
# ID numbers issued before district mergers keep their old address codes (domain.md).
OLD_BEIJING_CODES = {"110103": "110101", "110104": "110102", "110228": "110118", "110229": "110119"}
# Birthplaces outside Beijing (340524 breaks stdnum.cn.ric: kept on purpose).
OTHER_CODES = [
    "120101", "130104", "131002", "140105", "150102", "210102", "230102", "320102",
    "340104", "340524", "370102", "410105", "420106", "430102", "510104", "610113",
]  # fmt: skip
# Population weights of the Beijing districts (2020 census, thousands), same order as BEIJING_CODES.
BEIJING_WEIGHTS = [709, 1106, 3452, 2019, 566, 3133, 393, 1313, 1841, 1325, 2269, 1993, 441, 457, 528, 346]

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
MALE_GIVEN = list(
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
)
FEMALE_GIVEN = list(
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
)
FIRM_WORDS = list(
    "华远 中科 金泰 东方 天成 博雅 信达 鼎盛 瑞丰 恒通 京华 宏图 海纳 卓越 新元 同创 和泰 盛世 永安 嘉禾 "
    "启明 正阳 安达 汇通 万达 聚源 润泽 北辰 长城 燕山 世纪 蓝天 明德 泰和 国信 天宇 锦程 弘业 中联 乐享".split()
)
INDUSTRIES = [
    ("科技", 1), ("信息技术", 1), ("文化传媒", 1), ("教育咨询", 1), ("商贸", 2), ("餐饮管理", 2),
    ("物业管理", 3), ("医药", 2), ("物流", 5), ("食品", 4), ("机械制造", 6), ("建筑工程", 7), ("矿业", 8),
]  # fmt: skip
SUFFIXES = ["有限公司", "有限公司", "有限责任公司", "股份有限公司"]

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
EPOCH = dt.date(1970, 1, 1)


def month_add(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


# --- persons --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSeed:
    name: str
    id_number: str
    gender: str
    birth_date: dt.date
    card_number: str
    phone: str
    hukou_code: str
    seed: int

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)


def person_batch(rng: np.random.Generator, n: int) -> list[PersonSeed]:
    """`n` persons with valid, varied identity data (ID check digit by python-stdnum)."""
    beijing = rng.random(n) < 0.68
    bj_w = np.array(BEIJING_WEIGHTS, dtype=float) / sum(BEIJING_WEIGHTS)
    bj_idx = rng.choice(len(BEIJING_CODES), size=n, p=bj_w)
    other_idx = rng.integers(0, len(OTHER_CODES), size=n)
    old_roll = rng.random(n) < 0.05
    old_codes = list(OLD_BEIJING_CODES)
    old_idx = rng.integers(0, len(old_codes), size=n)
    # Ages: mostly working age, a tail of pensioners (births 1950–2006, peak in the mid-1980s).
    first = (dt.date(1950, 1, 1) - EPOCH).days
    last = (dt.date(2006, 6, 30) - EPOCH).days
    peak = (dt.date(1986, 1, 1) - EPOCH).days
    births = rng.triangular(first, peak, last, size=n).astype(np.int64)
    male = rng.random(n) < 0.51
    k = rng.integers(0, 500, size=n)
    surname = rng.integers(0, len(SURNAMES), size=n)
    two_char = rng.random(n) < 0.72
    g1 = rng.integers(0, 1000, size=n)
    g2 = rng.integers(0, 1000, size=n)
    card = rng.integers(10_000_000, 99_999_999, size=n)
    card_letter = rng.integers(0, 26, size=n)
    phone_pre = rng.choice(
        np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 158, 186, 188, 199]), size=n
    )
    phone_body = rng.integers(0, 100_000_000, size=n)
    seeds = rng.integers(1, 2**62, size=n, dtype=np.int64)
    out: list[PersonSeed] = []
    for i in range(n):
        if beijing[i]:
            region = old_codes[old_idx[i]] if old_roll[i] else BEIJING_CODES[bj_idx[i]]
            hukou = OLD_BEIJING_CODES.get(region, region)
        else:
            region = OTHER_CODES[other_idx[i]]
            hukou = region
        birth = EPOCH + dt.timedelta(days=int(births[i]))
        is_male = bool(male[i])
        seq = int(k[i]) * 2 + (1 if is_male else 0)
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        id_number = body + mod_11_2.calc_check_digit(body)
        given_pool = MALE_GIVEN if is_male else FEMALE_GIVEN
        given = given_pool[g1[i] % len(given_pool)]
        if two_char[i]:
            given += given_pool[g2[i] % len(given_pool)]
        out.append(
            PersonSeed(
                name=SURNAMES[surname[i]] + given,
                id_number=id_number,
                gender="M" if is_male else "F",
                birth_date=birth,
                card_number=f"{chr(65 + int(card_letter[i]))}{int(card[i])}",
                phone=f"{int(phone_pre[i])}{int(phone_body[i]):08d}",
                hukou_code=hukou,
                seed=int(seeds[i]),
            )
        )
    return out


# --- employers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerSeed:
    slot: int
    name: str
    uscc: str
    district_code: str
    industry_class: int
    injury_rate_bp: int


def employer_for_slot(slot: int) -> EmployerSeed:
    """Deterministic by slot: the same slot is always the same employer."""
    r = random.Random(slot * 7919 + 17)
    district = r.choices(BEIJING_CODES, weights=BEIJING_WEIGHTS)[0]
    industry, cls = r.choice(INDUSTRIES)
    word = r.choice(FIRM_WORDS) + (r.choice(FIRM_WORDS) if r.random() < 0.3 else "")
    name = f"北京{word}{industry}{r.choice(SUFFIXES)}"
    uscc = make_uscc(f"91{district}{slot:09d}")
    return EmployerSeed(slot, name, uscc, district, cls, rates.INJURY_CLASS_BP[cls])


# --- histories ------------------------------------------------------------------------------------

MonthTuple = tuple[dt.date, int | None, str, rates.MonthAmounts]  # month, employer slot, kind, amounts
BenefitTuple = tuple[dt.date, str, int]  # month, kind, amount in fen


@dataclass
class History:
    months: list[MonthTuple]
    benefits: list[BenefitTuple]


def retirement_month(birth: dt.date, gender: str) -> dt.date:
    age = 60 if gender == "M" else 55
    return dt.date(birth.year + age, birth.month, 1)


def generate_history(
    *,
    seed: int,
    birth: dt.date,
    gender: str,
    beijing_hukou: bool,
    employer_count: int,
    injury_bp: Callable[[int], int],
    today: dt.date,
    continuous: tuple[dt.date, int] | None = None,
) -> History:
    """A career: employment spells at employers, gaps, flexible employment, then a pension.

    `continuous=(first month, n)` gives exactly n months with no gaps (the benchmark's 30-year person).
    """
    r = random.Random(seed)
    last_paid = month_add(dt.date(today.year, today.month, 1), -1)
    retire = retirement_month(birth, gender)
    if continuous is not None:
        start, n = continuous
        end = month_add(start, n - 1)
    else:
        start = dt.date(birth.year + r.randint(18, 24), birth.month, 1)
        start = max(start, dt.date(rates.FIRST_YEAR, 1, 1))
        end = min(month_add(retire, -1), last_paid)
    months: list[MonthTuple] = []
    benefits: list[BenefitTuple] = []
    if start > end:
        return History(months, benefits)
    quantile = min(max(r.lognormvariate(0.0, 0.45), 0.45), 3.2)
    cursor = start
    last_employee_spell = 0
    while cursor <= end:
        roll = r.random()
        if continuous is None and months and roll < 0.12:
            spell = min(r.randint(1, 24), months_between(cursor, end) + 1)
            # Unemployment benefit after at least a year of employment (Beijing: up to 24 months).
            if last_employee_spell >= 12 and spell >= 2:
                for i in range(min(spell, 3 + last_employee_spell // 12, 24)):
                    m = month_add(cursor, i)
                    amount = round(rates.average_wage(m.year) * 0.18) * 100
                    benefits.append((m, "unemployment", amount))
            cursor = month_add(cursor, spell)
            last_employee_spell = 0
            continue
        flexible = continuous is None and roll < 0.27
        spell = r.randint(6, 48) if flexible else r.randint(12, 120)
        spell = min(spell, months_between(cursor, end) + 1)
        slot = None if flexible else r.randrange(employer_count)
        bp = injury_bp(slot) if slot is not None else 0
        flex_level = 0.0 if r.random() < 0.7 else r.choice([0.7, 1.0, 1.5, 2.0])
        for i in range(spell):
            m = month_add(cursor, i)
            age = m.year - birth.year
            wanted = rates.average_wage(m.year) * quantile * (1 + 0.015 * min(max(age - 22, 0), 23))
            if flexible:
                lim = rates.base_limits(m.year)
                base = (
                    lim.lower
                    if flex_level == 0
                    else rates.clamp_base(m.year, round(rates.average_wage(m.year) * flex_level))
                )
                months.append((m, None, "F", rates.flexible_month(base, beijing_hukou)))
            else:
                base = rates.clamp_base(m.year, round(wanted))
                months.append((m, slot, "E", rates.employee_month(base, bp)))
        last_employee_spell = 0 if flexible else spell
        cursor = month_add(cursor, spell)
        if not flexible and continuous is None:
            quantile *= r.uniform(0.95, 1.15)  # a job change moves pay a little
    # Pension from the retirement month, with at least 15 years of contributions (R: 社会保险法 §16).
    if continuous is None and retire <= last_paid and len(months) >= 180:
        years = len(months) / 12
        account = sum(a.pension_account for _m, _s, _k, a in months)
        avg_index = sum(a.pension_base for _m, _s, _k, a in months) / len(months) / 100
        ret_wage = rates.average_wage(retire.year)
        ratio = min(avg_index / ret_wage, 3.0)
        monthly = ret_wage * (1 + ratio) / 2 * years / 100 + account / 100 / (139 if gender == "M" else 170)
        m = retire
        while m <= last_paid:
            if m.month == 1 and m != retire:
                monthly *= 1.04  # yearly adjustment
            benefits.append((m, "pension", round(monthly) * 100))
            m = month_add(m, 1)
    return History(months, benefits)


def chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(size, n - start)
