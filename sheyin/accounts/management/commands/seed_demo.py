"""Demo data: 15 card banks with Beijing branches, ~300 outlets by population, one account per role.

Idempotent: every object is looked up by its natural key first. Refuses to run outside demo mode.
"""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sheyin.accounts import services as account_services
from sheyin.accounts.models import User
from sheyin.accounts.roles import Role
from sheyin.common import geo
from sheyin.common.hooks import app_modules
from sheyin.common.identifiers import make_uscc
from sheyin.institutions import services as inst_services
from sheyin.institutions.models import Agency, Bank, Branch, Outlet, OutletStatus

DEMO_PASSWORD = "demo-pass-2026"
OUTLETS = 300
SEED = 20261126

# The 15 banks that issue Beijing's third-generation card: (name, short name).
BANKS = [
    ("中国工商银行股份有限公司北京市分行", "工商银行"),
    ("中国农业银行股份有限公司北京市分行", "农业银行"),
    ("中国银行股份有限公司北京市分行", "中国银行"),
    ("中国建设银行股份有限公司北京市分行", "建设银行"),
    ("交通银行股份有限公司北京市分行", "交通银行"),
    ("北京银行股份有限公司", "北京银行"),
    ("华夏银行股份有限公司北京分行", "华夏银行"),
    ("北京农村商业银行股份有限公司", "北京农商银行"),
    ("中信银行股份有限公司北京分行", "中信银行"),
    ("中国光大银行股份有限公司北京分行", "光大银行"),
    ("中国民生银行股份有限公司北京分行", "民生银行"),
    ("广发银行股份有限公司北京分行", "广发银行"),
    ("招商银行股份有限公司北京分行", "招商银行"),
    ("上海浦东发展银行股份有限公司北京分行", "浦发银行"),
    ("中国邮政储蓄银行股份有限公司北京分行", "邮储银行"),
]
# Relative network size in Beijing (the big four and the local banks run the most outlets).
BANK_WEIGHT = [14, 12, 11, 13, 5, 10, 3, 12, 4, 3, 3, 2, 4, 3, 8]

STREETS = ["大街", "路", "北路", "南路", "东路", "西路", "中路"]
PLACES = (
    "建国 复兴 和平 光明 幸福 长安 朝阳 安定 永定 阜成 广安 京顺 双桥 紫竹 学院 中关村 望京 亦庄 回龙观 天通苑 良乡 新城 滨河 府前"
).split()

# username, display name, role, organisation kind
ACCOUNTS = [
    ("muni_admin", "王市管", Role.MUNICIPAL_ADMIN, "municipal"),
    ("muni_officer", "李市办", Role.MUNICIPAL_OFFICER, "municipal"),
    ("district_admin", "张区管", Role.DISTRICT_ADMIN, "district"),
    ("district_officer", "刘区办", Role.DISTRICT_OFFICER, "district"),
    ("district_inspector", "陈稽核", Role.DISTRICT_INSPECTOR, "district"),
    ("bank_admin", "赵行管", Role.BANK_ADMIN, "bank"),
    ("outlet_manager", "孙网点", Role.OUTLET_MANAGER, "outlet"),
    ("outlet_staff", "周经办", Role.OUTLET_STAFF, "outlet"),
    ("sys_admin", "吴系统", Role.SYSTEM_ADMIN, "municipal"),
    ("sec_admin", "郑安全", Role.SECURITY_ADMIN, "municipal"),
    ("audit_admin", "冯审计", Role.AUDIT_ADMIN, "municipal"),
]
DEMO_DISTRICT = "110105"  # 朝阳区
DEMO_BANK = "工商银行"


def allocate(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Largest-remainder apportionment of `total` by weight, at least one each."""
    s = sum(weights.values())
    raw = {k: total * w / s for k, w in weights.items()}
    out = {k: max(1, int(v)) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - int(raw[k]), reverse=True)[: total - sum(out.values())]:
        out[k] += 1
    return out


class Command(BaseCommand):
    help = "Load the demo banks, outlets and one account per role (idempotent; demo mode only)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo runs only with SHEYIN_DEMO_MODE on")
        if not Agency.objects.filter(level=Agency.Level.DISTRICT).exists():
            raise CommandError("run seed_reference first")
        rng = random.Random(SEED)
        with transaction.atomic():
            banks = self._banks()
            self._outlets(banks, rng)
            self._accounts(banks)
        # Each app's demo data, after the registry and accounts: `<app>/demo.py: seed(rng, stdout)`.
        for module in app_modules("demo"):
            with transaction.atomic():
                module.seed(rng, self.stdout)
        self.stdout.write(
            f"demo data: {Bank.objects.count()} banks, {Branch.objects.count()} branches, "
            f"{Outlet.objects.count()} outlets, {User.objects.count()} users"
        )
        self.stdout.write(f"demo accounts (password {DEMO_PASSWORD}): " + ", ".join(a[0] for a in ACCOUNTS))

    def _banks(self) -> list[Bank]:
        banks = []
        for i, (name, short) in enumerate(BANKS, start=1):
            bank = Bank.objects.filter(short_name=short).first()
            if bank is None:
                uscc = make_uscc(f"91110000{i:09d}")
                bank = inst_services.bank_create(
                    data={
                        "name": name,
                        "short_name": short,
                        "uscc": uscc,
                        "address": "北京市",
                        "contact_name": "联络员",
                    },
                    by=None,
                )
                # Not a lifecycle change: demo data writes the bank as it stands, with no one acting.
                Bank.objects.filter(pk=bank.pk).update(status=Bank.Status.ACTIVE)
            banks.append(bank)
        return banks

    def _outlets(self, banks: list[Bank], rng: random.Random) -> None:
        if Outlet.objects.count() >= OUTLETS:
            return
        districts = {a.code: a for a in Agency.objects.filter(level=Agency.Level.DISTRICT)}
        per_district = allocate(OUTLETS, {c: geo.districts()[c].population for c in districts})
        placed = [(a.lon, a.lat) for a in districts.values() if a.lon is not None and a.lat is not None]
        counter = 0
        for code, n in sorted(per_district.items()):
            agency = districts[code]
            min_d = agency.min_outlet_distance_m
            d_name = geo.districts()[code].name
            made = 0
            for lon, lat in geo.random_points_in(code, n * 40, rng):
                if made >= n:
                    break
                if any(geo.distance_m(lon, lat, x, y) < min_d for x, y in placed):
                    continue
                placed.append((lon, lat))
                made += 1
                counter += 1
                bank = rng.choices(banks, weights=BANK_WEIGHT)[0]
                place = rng.choice(PLACES)
                street = f"{place}{rng.choice(STREETS)}{rng.randint(1, 199)}号"
                branch_name = f"北京{d_name[:-1]}{place}支行"
                branch, _ = Branch.objects.get_or_create(
                    bank=bank,
                    name=branch_name
                    if not Branch.objects.filter(bank=bank, name=branch_name).exists()
                    else f"{branch_name}{counter}",
                    defaults={
                        "district": agency,
                        "address": f"北京市{d_name}{street}",
                        "lon": lon,
                        "lat": lat,
                    },
                )
                status = OutletStatus.OPERATING
                roll = rng.random()
                if roll < 0.04:
                    status = OutletStatus.APPLYING
                elif roll < 0.07:
                    status = OutletStatus.SUSPENDED
                inst_services.outlet_register(
                    data={
                        "bank": bank, "branch": branch, "name": f"{bank.short_name}{branch.name.removeprefix('北京')}社保服务网点",
                        "district": agency, "address": branch.address, "lon": lon, "lat": lat,
                        "windows": rng.choice([1, 1, 2]), "terminals": rng.choice([1, 2, 2, 3]),
                        "phone": f"010-{rng.randint(60000000, 89999999)}",
                    },
                    by=None,
                    status=status,
                )  # fmt: skip
        # Bank branches that are not outlets: candidate sites for layout planning.
        for code, agency in districts.items():
            for lon, lat in geo.random_points_in(code, 4, rng):
                bank = rng.choices(banks, weights=BANK_WEIGHT)[0]
                name = f"北京{geo.districts()[code].name[:-1]}{rng.choice(PLACES)}分理处{rng.randint(1, 99)}"
                Branch.objects.get_or_create(
                    bank=bank,
                    name=name,
                    defaults={
                        "district": agency,
                        "address": f"北京市{geo.districts()[code].name}",
                        "lon": lon,
                        "lat": lat,
                    },
                )

    def _accounts(self, banks: list[Bank]) -> None:
        municipal = Agency.objects.get(level=Agency.Level.MUNICIPAL)
        district = Agency.objects.get(code=DEMO_DISTRICT)
        bank = next(b for b in banks if b.short_name == DEMO_BANK)
        outlet = (
            Outlet.objects.filter(bank=bank, district=district, status=OutletStatus.OPERATING)
            .order_by("code")
            .first()
        )
        if outlet is None:
            outlet = Outlet.objects.filter(bank=bank, status=OutletStatus.OPERATING).order_by("code").first()
        for username, display, role, kind in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = account_services.user_create(
                    username=username, display_name=display, password=DEMO_PASSWORD, by=None
                )
            if not user.is_demo:
                # Its password is published: production refuses the account (accounts.middleware).
                User.objects.filter(pk=user.pk).update(is_demo=True)
            if not user.assignments.filter(role=role).exists():
                orgs: dict[str, dict[str, Any]] = {
                    "municipal": {"agency": municipal},
                    "district": {"agency": district},
                    "bank": {"bank": bank},
                    "outlet": {"outlet": outlet},
                }
                org = orgs[kind]
                account_services.role_assign(user=user, role=role, by=None, **org)
