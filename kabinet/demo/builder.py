"""The demo utility's profile, services, people, premises, logins and meters."""

import datetime as dt
import random
import secrets
import unicodedata
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from kabinet.billing.models import (
    KeyRate,
    Norm,
    Subscription,
    Tariff,
)
from kabinet.customers.models import (
    AccessRole,
    Account,
    AccountAccess,
    Building,
    Customer,
    CustomerKind,
    Premises,
    User,
)
from kabinet.demo import constants as c
from kabinet.demo import data
from kabinet.demo.history import HISTORY_MONTHS, AccountSim, History, MeterSim
from kabinet.inspection.services import route_plan
from kabinet.lib.periods import add_months
from kabinet.meters.models import Meter, MeterStatus
from kabinet.news.models import News, Outage, OutageStreet
from kabinet.news.services import outage_notify
from kabinet.notifications.models import MailKind, OutboxMessage, OutboxStatus
from kabinet.pages.demo import pages_demo_build
from kabinet.utility.models import Service, UtilityProfile
from kabinet.utility.services import event_record

MIN_ACCOUNTS = 10  # alice (two premises), bob, and enough others for debtors and newcomers


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


RU_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)


def ascii_name(text: str) -> str:
    """A name as it appears in an e-mail address: Bērziņa → berzina, Щукина → shchukina."""
    text = text.lower()
    text = "".join(RU_TRANSLIT.get(ch, ch) for ch in text).replace("-", "")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


class DemoBuilder(History):
    def __init__(self, *, preset: str, accounts: int, random_seed: int, today: dt.date):
        if preset not in c.PRESETS:
            raise ValueError(preset)
        self.preset = preset
        if accounts < MIN_ACCOUNTS:
            raise ValueError(f"at least {MIN_ACCOUNTS} accounts")
        self.n_accounts = accounts
        self.rng = random.Random(f"kabinet-demo:{preset}:{random_seed}")  # nosec B311  # made-up demo data
        self.today = today
        self.now = timezone.now()
        self.lang = "ru" if preset == "ru" else "lv"
        self.service_specs = data.RU_SERVICES if preset == "ru" else data.LV_SERVICES
        self.used_serials: set[str] = set()
        self.counts: dict[str, int] = {}
        self.payment_count = 0

    # --- the calendar --------------------------------------------------------------
    def plan_calendar(self, profile: UtilityProfile) -> None:
        this_month = self.today.replace(day=1)
        last_billed = add_months(this_month, -1 if self.today.day >= profile.invoice_day else -2)
        self.periods = [add_months(last_billed, i - HISTORY_MONTHS + 1) for i in range(HISTORY_MONTHS)]
        first_read = add_months(self.periods[0], -1)  # the readings the first invoice starts from
        window_first, _last = profile.window_for(this_month)
        last_read = this_month if self.today >= window_first else add_months(this_month, -1)
        self.reading_periods = []
        period = first_read
        while period <= last_read:
            self.reading_periods.append(period)
            period = add_months(period, 1)
        self.profile = profile

    # --- the utility ---------------------------------------------------------------
    def build_utility(self) -> None:
        profile = UtilityProfile(**data.profile_fields(self.preset))
        profile.save()
        self.plan_calendar(profile)
        vat_now = self.vat_on(self.today)
        self.services: dict[str, Service] = {}
        for order, spec in enumerate(self.service_specs, start=1):
            self.services[spec["code"]] = Service.objects.create(
                code=spec["code"],
                name_lv=spec["name_lv"],
                name_ru=spec["name_ru"],
                name_en=spec["name_en"],
                short_names=spec["short_names"],
                unit=spec["unit"],
                basis=spec["basis"],
                vat_rate=vat_now,
                reading_decimals=0 if self.preset == "ru" else 1,
                verification_interval_years=spec["verification_interval_years"],
                sort_order=order,
            )
        for spec in self.service_specs:
            if spec.get("volume_of"):
                self.services[spec["code"]].volume_of.set([self.services[code] for code in spec["volume_of"]])
        self.build_tariffs()
        if self.preset == "ru":
            Norm.objects.bulk_create(
                Norm(service=self.services[spec["code"]], per_resident=spec["norm"], valid_from=dt.date(2017, 1, 1))
                for spec in self.service_specs
            )
            KeyRate.objects.bulk_create(
                KeyRate(valid_from=dt.date.fromisoformat(day), rate=rate) for day, rate in data.RU_KEY_RATES
            )

    def vat_on(self, day: dt.date) -> Decimal:
        if self.preset == "ru":
            changed = dt.date.fromisoformat(data.RU_VAT_CHANGE)
            return data.RU_VAT_AFTER if day >= changed else data.RU_VAT_BEFORE
        return data.LV_VAT

    def build_tariffs(self) -> None:
        """Two prices per service (one tariff change inside the year of history), split
        again where the VAT rate changed (Russia, 2026-01-01)."""

        def is_indexation_day(p: dt.date) -> bool:
            # Russian tariffs are indexed on 1 July (on 1 October in 2026).
            return p.month == (10 if p.year == 2026 else 7)

        change = self.periods[HISTORY_MONTHS // 2]
        if self.preset == "ru":
            change = next((p for p in self.periods[1:] if is_indexation_day(p)), change)
        start = dt.date(self.periods[0].year - 1, 1, 1)
        bounds = {start, change}
        if self.preset == "ru":
            vat_day = dt.date.fromisoformat(data.RU_VAT_CHANGE)
            if vat_day > start:
                bounds.add(vat_day)
        bounds = sorted(bounds)
        rows = []
        for spec in self.service_specs:
            before, after = spec["prices"]
            for i, valid_from in enumerate(bounds):
                valid_to = bounds[i + 1] - dt.timedelta(days=1) if i + 1 < len(bounds) else None
                rows.append(
                    Tariff(
                        service=self.services[spec["code"]],
                        price=before if valid_from < change else after,
                        vat_rate=self.vat_on(valid_from),
                        valid_from=valid_from,
                        valid_to=valid_to,
                    )
                )
        Tariff.objects.bulk_create(rows)

    # --- staff ---------------------------------------------------------------------
    def build_staff(self) -> None:
        staff_hash = make_password(c.STAFF_PASSWORD)
        domain = self.profile.email.split("@")[1]
        carol = User(
            username=c.SUPERUSER,
            email=f"carol@{domain}",
            first_name="Karolīna" if self.preset == "lv" else "Каролина",
            last_name="Ozola" if self.preset == "lv" else "Орлова",
            is_staff=True,
            is_superuser=True,
            password=staff_hash,
            language=self.lang,
        )
        dave = User(
            username=c.READ_ONLY_STAFF,
            email=f"dave@{domain}",
            first_name="Dāvis" if self.preset == "lv" else "Давид",
            last_name="Jansons" if self.preset == "lv" else "Захаров",
            is_staff=True,
            password=staff_hash,
            language=self.lang,
        )
        inspector = User(
            username=c.INSPECTOR,
            email=f"ivo@{domain}",
            first_name="Ivo" if self.preset == "lv" else "Иван",
            last_name="Kalniņš" if self.preset == "lv" else "Петров",
            is_staff=True,
            password=staff_hash,
            language=self.lang,
        )
        carol.save()
        dave.save()
        inspector.save()
        dave.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
        # The role's group comes from the migrations (office 0001, inspection 0002).
        inspector.groups.set(Group.objects.filter(name="Inspector"))
        self.carol = carol
        self.inspector = inspector

    def build_inspection_route(self) -> None:
        """Today's route for the demo inspector: the first premises with meters, in the
        order of their street, house and flat, so /inspection/ has work to show."""
        premises = list(
            Premises.objects.filter(meters__status=MeterStatus.ACTIVE)
            .select_related("building")
            .distinct()
            .order_by("building__street", "building__house", "pk")[:8]
        )
        if not premises:
            return
        name = "Rīta maršruts" if self.preset == "lv" else "Утренний обход"
        route_plan(date=self.today, inspector=self.inspector, name=name, premises=premises, actor=self.carol)
        self.counts["inspection_stops"] = len(premises)

    # --- people and premises -------------------------------------------------------
    def person_name(self, index: int) -> tuple[str, str, str]:
        """(first name, last name, language) of a person."""
        rng = self.rng
        female = rng.random() < 0.55
        g = 1 if female else 0
        if self.preset == "ru":
            first = rng.choice(data.RU_FEMALE if female else data.RU_MALE)
            patronymic = rng.choice(data.RU_PATRONYMICS)[g]
            return f"{first} {patronymic}", rng.choice(data.RU_SURNAMES)[g], "ru"
        if rng.random() < 0.5:
            first = rng.choice(data.LV_RUSSIAN_FEMALE if female else data.LV_RUSSIAN_MALE)
            return first, rng.choice(data.LV_RUSSIAN_SURNAMES)[g], rng.choice(["ru", "ru", "ru", "lv"])
        first = rng.choice(data.LV_FEMALE if female else data.LV_MALE)
        return first, rng.choice(data.LV_SURNAMES)[g], rng.choice(["lv", "lv", "lv", "en"])

    def phone(self) -> str:
        rng = self.rng
        if self.preset == "ru":
            return f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        return f"+371 2{rng.randint(1000000, 9999999)}"

    def premises_slots(self) -> list[tuple[Building, str]]:
        """Apartments in buildings along the preset's streets, enough for every account."""
        rng = self.rng
        streets = data.RU_STREETS if self.preset == "ru" else data.LV_STREETS
        city = data.RU_CITY if self.preset == "ru" else data.LV_CITY
        postcodes = data.RU_POSTCODES if self.preset == "ru" else data.LV_POSTCODES
        houses_used: set[tuple[str, str]] = set()
        buildings, slots = [], []
        while len(slots) < self.n_accounts:
            street = rng.choice(streets)
            house = str(rng.randint(1, 120))
            if rng.random() < 0.12:
                house += rng.choice("ABK" if self.preset == "lv" else "АБК")
            if (street, house) in houses_used:
                continue
            houses_used.add((street, house))
            building = Building(city=city, street=street, house=house, postcode=rng.choice(postcodes))
            buildings.append(building)
            flats = rng.randint(12, 80)
            room = self.n_accounts - len(slots) - (0 if buildings[:-1] else 1)  # alice's second home is elsewhere
            taken = rng.sample(range(1, flats + 1), min(flats, rng.randint(4, 16), room))
            slots.extend((building, str(flat)) for flat in sorted(taken))
        Building.objects.bulk_create(buildings)
        # alice's two premises are in different buildings.
        second = next(i for i, slot in enumerate(slots) if slot[0] is not slots[0][0])
        slots.insert(1, slots.pop(second))
        return slots

    def build_customers(self) -> list[AccountSim]:
        rng = self.rng
        slots = self.premises_slots()
        first_number = c.FIRST_ACCOUNT_NUMBER[self.preset]
        codes = rng.sample(range(10003, 100000), self.n_accounts)
        customers, premises_rows, accounts = [], [], []
        sims: list[AccountSim] = []
        orgs = data.RU_ORGANISATIONS if self.preset == "ru" else data.LV_ORGANISATIONS
        org_count = 0
        for index, (building, apartment) in enumerate(slots):
            if index == 1:
                customer = customers[0]  # alice's second premises
            else:
                customer = self.make_customer(index, codes[index], orgs, org_count)
                org_count += customer.kind == CustomerKind.ORGANISATION
                customers.append(customer)
            is_org = customer.kind == CustomerKind.ORGANISATION
            area = Decimal(rng.randint(4000, 24000) if is_org else rng.randint(2800, 9800)) / 100
            residents = 0 if is_org else rng.choices([1, 2, 3, 4, 5], weights=[25, 35, 22, 13, 5])[0]
            premises = Premises(building=building, apartment=apartment, area=area, residents=residents)
            premises_rows.append(premises)
            if not customer.postal_address:
                customer.postal_address = self.address_of(premises)
            account = Account(
                number=str(first_number + index),
                customer=customer,
                premises=premises,
                opened_on=dt.date(rng.randint(2008, 2021), rng.randint(1, 12), 1),
            )
            accounts.append(account)
            sims.append(
                AccountSim(account=account, customer=customer, premises=premises, user=None, behaviour="regular")
            )
        Customer.objects.bulk_create(customers)
        Premises.objects.bulk_create(premises_rows)
        for sim in sims:
            sim.account.customer = sim.customer
            sim.account.premises = sim.premises
        Account.objects.bulk_create(accounts)
        self.counts["customers"] = len(customers)
        self.counts["accounts"] = len(accounts)
        return sims

    def address_of(self, premises: Premises) -> str:
        b = premises.building
        if self.preset == "ru":
            return f"{b.postcode}, г. {b.city}, {b.street}, д. {b.house}, кв. {premises.apartment}"
        return f"{b.street} {b.house}-{premises.apartment}, {b.city}, {b.postcode}"

    def make_customer(self, index: int, code: int, orgs: list[str], org_count: int) -> Customer:
        rng = self.rng
        if index == 0:
            first, last = ("Алиса Андреевна", "Берёзкина") if self.preset == "ru" else ("Alise", "Bērziņa")
            return Customer(
                client_code=c.ALICE_CLIENT_CODE,
                first_name=first,
                last_name=last,
                email=c.ALICE_EMAIL,
                phone=self.phone(),
                language=self.lang,
            )
        if index == 2:
            first, last = ("Борис Игоревич", "Иванов") if self.preset == "ru" else ("Boriss", "Ivanovs")
            return Customer(
                client_code=c.BOB_CLIENT_CODE,
                first_name=first,
                last_name=last,
                email=c.BOB_EMAIL,
                phone=self.phone(),
                language="ru",
            )
        if index == 3 or (index > 3 and rng.random() < 0.04):  # a few organisations, at least one
            name = orgs[org_count % len(orgs)]
            if org_count >= len(orgs):
                name = f"{name} ({org_count // len(orgs) + 1})"
            if self.preset == "ru":
                body = f"4632{code:05d}"
                reg = body + data.inn.calc_company_check_digit(body)
                vat = ""
            else:
                reg = data.lv_registration_number(f"4010{code:05d}")
                vat = f"LV{reg}"
            slug = ascii_name(name.split("“")[-1].split("«")[-1])[:20] or "org"
            return Customer(
                kind=CustomerKind.ORGANISATION,
                client_code=f"{code:05d}",
                organisation_name=name,
                registration_number=reg,
                vat_number=vat,
                email=f"{slug}{index}@example.com",
                phone=self.phone(),
                language=self.lang,
            )
        first, last, language = self.person_name(index)
        email = ""
        if rng.random() < 0.9:
            email = f"{ascii_name(first.split()[0])}.{ascii_name(last)}{index}@example.com"
        return Customer(
            client_code=f"{code:05d}",
            first_name=first,
            last_name=last,
            email=email,
            phone=self.phone() if rng.random() < 0.85 else "",
            language=language,
        )

    def build_logins(self, sims: list[AccountSim]) -> None:
        """Portal logins for about 85% of the customers; alice and bob always."""
        rng = self.rng
        demo_hash = make_password(c.CUSTOMER_PASSWORD)
        # Other customers' logins share one random password nobody knows (hashing one per
        # customer would cost seconds): they are not demo logins.
        other_hash = make_password(secrets.token_urlsafe(24))
        registered = set()
        for sim in sims[3:]:
            share = 0.5 if sim.customer.kind == CustomerKind.ORGANISATION else 0.85
            if sim.customer.email and rng.random() < share:
                registered.add(id(sim.customer))
        persons = [s.customer for s in sims[3:] if s.customer.kind == CustomerKind.PERSON]
        if all(id(p) in registered for p in persons):
            registered.discard(id(persons[-1]))  # someone must be left to register
        registered |= {id(sims[0].customer), id(sims[2].customer)}
        users: dict[int, User] = {}
        for sim in sims:
            customer = sim.customer
            if id(customer) in users:
                sim.user = users[id(customer)]
                continue
            if id(customer) not in registered:
                continue
            demo = customer.client_code in (c.ALICE_CLIENT_CODE, c.BOB_CLIENT_CODE)
            username = sim.account.number if self.preset == "ru" else customer.email
            user = User(
                username=username,
                email=customer.email,
                phone=customer.phone,
                language=customer.language,
                customer=customer,
                first_name=customer.first_name[:150],
                last_name=customer.last_name[:150] or customer.organisation_name[:150],
                password=demo_hash if demo else other_hash,
            )
            users[id(customer)] = user
            sim.user = user
        User.objects.bulk_create(users.values())
        AccountAccess.objects.bulk_create(
            AccountAccess(user=sim.user, account=sim.account, role=AccessRole.HOLDER) for sim in sims if sim.user
        )
        self.counts["logins"] = len(users)

    # --- meters --------------------------------------------------------------------
    def serial(self, pattern: str) -> str:
        while True:
            value = "".join(str(self.rng.randint(0, 9)) if ch == "#" else ch for ch in pattern)
            if value not in self.used_serials:
                self.used_serials.add(value)
                return value

    def build_meters(self, sims: list[AccountSim]) -> None:
        rng = self.rng
        languages = self.profile.language_codes
        models_by_service = data.RU_WATER_METER_MODELS if self.preset == "ru" else data.WATER_METER_MODELS
        first_window, _last = self.profile.window_for(self.reading_periods[0])
        meters: list[Meter] = []
        for sim in sims:
            is_org = sim.customer.kind == CustomerKind.ORGANISATION
            people = Decimal(sim.premises.residents or 2)
            thrift = Decimal(str(round(rng.uniform(0.6, 1.4), 2)))
            pairs = 2 if (not is_org and rng.random() < 0.3) else 1
            plan = [("cold_water", pairs)]
            has_hot = rng.random() < (0.9 if self.preset == "ru" else 0.85) or sim is sims[0]  # alice's home
            if has_hot:
                plan.append(("hot_water", pairs))
            if self.preset == "lv" and not is_org and (rng.random() < 0.55 or sim is sims[0]):
                plan.append(("gas", 1))
            sim.services = [code for code, _n in plan]
            if self.preset == "lv":
                sim.services.append("maintenance")
            else:
                if not has_hot:
                    sim.services.append("hot_water")  # billed by norm
                sim.services.append("sewerage")
            # A single pair of water meters hangs in one place, two pairs in kitchen and bathroom.
            single_place = rng.choice(["bathroom", "toilet", "kitchen"])
            for code, count in plan:
                model, pattern = rng.choice(models_by_service[code])
                spec = next(s for s in self.service_specs if s["code"] == code)
                if "use_per_flat" in spec:
                    monthly = spec["use_per_flat"] * thrift
                else:
                    monthly = spec["use_per_resident"] * people * thrift / count
                place = ["kitchen", "bathroom"] if count == 2 else [single_place]
                if code == "gas":
                    place = ["kitchen"]
                interval = self.services[code].verification_interval_years
                for where in place:
                    due = self.today + dt.timedelta(days=rng.randint(45, interval * 365 - 30))
                    verified = add_years(due, -interval)
                    installed = min(verified, first_window - dt.timedelta(days=rng.randint(30, 900)))
                    months_in_use = max(1, (first_window - installed).days // 30)
                    initial = Decimal(rng.randint(0, 400))
                    meter = Meter(
                        premises=sim.premises,
                        service=self.services[code],
                        serial_number=self.serial(pattern),
                        model=model,
                        **{f"location_{code}": data.LOCATIONS[where][code] for code in languages},
                        digits_before_point=5,
                        digits_after_point=3,
                        installed_on=installed,
                        initial_reading=initial,
                        verified_on=verified,
                        verification_due=due,
                        seal_number=self.seal(),
                    )
                    meters.append(meter)
                    # The register before the first reading of the history.
                    start = initial + monthly * months_in_use * Decimal(str(round(rng.uniform(0.8, 1.2), 2)))
                    sim.meters.append(
                        MeterSim(
                            meter=meter,
                            service_code=code,
                            monthly=monthly,
                            true_value=start.quantize(Decimal("0.001")),
                        )
                    )
        self.mark_verification(sims)
        Meter.objects.bulk_create(meters)
        self.counts["meters"] = len(meters)

    def seal(self) -> str:
        if self.preset == "ru":
            return f"{self.rng.randint(0, 99999999):08d}"
        return f"DN {self.rng.randint(0, 9999999):07d}"

    def mark_verification(self, sims: list[AccountSim]) -> None:
        """Exactly one meter whose verification expired (bob's cold water meter) and a
        few due within 30 days (alice's hot water among them)."""
        bob = sims[2]
        expired = next(m.meter for m in bob.meters if m.service_code == "cold_water")
        expired.verification_due = self.today - dt.timedelta(days=17)
        expired.verified_on = add_years(expired.verification_due, -expired.service.verification_interval_years)
        expired.installed_on = min(expired.installed_on, expired.verified_on)
        soon = [m.meter for m in sims[0].meters if m.service_code == "hot_water"][:1]
        others = [m.meter for sim in sims[3:] for m in sim.meters]
        soon += self.rng.sample(others, min(len(others), max(2, len(sims) // 60)))
        for meter in soon:
            meter.verification_due = self.today + dt.timedelta(days=self.rng.randint(3, 28))
            meter.verified_on = add_years(meter.verification_due, -meter.service.verification_interval_years)
            meter.installed_on = min(meter.installed_on, meter.verified_on)

    def build_subscriptions(self, sims: list[AccountSim]) -> None:
        Subscription.objects.bulk_create(
            Subscription(account=sim.account, service=self.services[code], valid_from=sim.account.opened_on)
            for sim in sims
            for code in sim.services
        )

    # --- news and outages ----------------------------------------------------------
    def build_news(self, sims: list[AccountSim]) -> None:
        """News in the utility's languages, and outages around alice's home: one going
        on now and planned ones, announced to the customers they affect."""
        languages = self.profile.language_codes
        fields = vars(self.profile)
        news = data.LV_NEWS if self.preset == "lv" else data.RU_NEWS
        for spec in news:
            published = self.now - dt.timedelta(days=spec["days_ago"], hours=self.rng.randint(1, 8))
            News.objects.create(
                publish_at=published,
                created_by=self.carol,
                **{f"title_{code}": spec["title"][code] for code in languages},
                **{f"body_{code}": spec["body"][code].format(**fields) for code in languages},
            )
        home = sims[0].premises.building
        alice = {sims[0].premises.building.street, sims[1].premises.building.street}
        others = [sim.premises.building for sim in sims[3:]]  # a small demo may have no other street
        elsewhere = next((b for b in others if b.street not in alice), None) or next(
            (b for b in others if b is not home), home
        )
        hour = self.now.replace(minute=0, second=0, microsecond=0)
        outages = []
        for spec in data.LV_OUTAGES if self.preset == "lv" else data.RU_OUTAGES:
            if spec["starts_in_days"]:
                day = self.today + dt.timedelta(days=spec["starts_in_days"])
                starts = timezone.make_aware(dt.datetime.combine(day, dt.time(spec["start_hour"])))
            else:
                starts = hour - dt.timedelta(hours=spec["started_hours_ago"])
            outage = Outage.objects.create(
                kind=spec["kind"],
                service=self.services[spec["service"]],
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=spec["hours"]),
                created_by=self.carol,
                **{f"title_{code}": spec["title"][code] for code in languages},
                **{f"description_{code}": spec["description"][code] for code in languages},
            )
            if spec["where"] == "street":
                OutageStreet.objects.create(outage=outage, street=home.street)
            else:
                outage.buildings.add(home if spec["where"] == "home" else elsewhere)
            outages.append(outage)
        for outage in outages:
            outage_notify(outage=outage, actor=self.carol, now=self.now)
        # Announced when each was published; the demo must not mail them again at start.
        OutboxMessage.objects.filter(kind=MailKind.OUTAGE, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.SENT, attempts=1, sent_at=self.now
        )
        self.counts["news"] = len(news)
        self.counts["outages"] = len(outages)

    def run(self) -> dict[str, int]:
        self.build_utility()
        self.build_staff()
        sims = self.build_customers()
        self.build_logins(sims)
        self.build_meters(sims)
        self.build_subscriptions(sims)
        self.assign_behaviour(sims)
        readings = self.simulate_readings(sims)
        self.write_readings(readings)
        invoices = self.bill_and_pay(sims)
        self.choose_unregistered(sims, invoices)
        self.build_news(sims)
        self.counts["pages"] = pages_demo_build(preset=self.preset, actor=self.carol, today=self.today)
        self.build_inspection_route()
        event_record(
            kind="demo.seeded",
            actor=self.carol,
            obj=self.profile,
            message=f"Demo utility ({self.preset}) built",
            data={"preset": self.preset, **self.counts},
        )
        return self.counts
