"""Pure data for the demo utility: names, streets, meter models, the two utilities' details.

Everything here is fictional but shaped like the reference utilities (a Daugavpils housing
utility, a Kursk water utility). Words shown to customers (locations, line descriptions)
are in the preset's language: they are data of that utility, not interface strings.
"""

from decimal import Decimal

from stdnum import iban as iban_check
from stdnum.lv import pvn
from stdnum.ru import inn, ogrn

# --- People -------------------------------------------------------------------------
# Latvian surnames change with gender: (male, female).
LV_SURNAMES = [
    ("Bērziņš", "Bērziņa"),
    ("Kalniņš", "Kalniņa"),
    ("Ozols", "Ozola"),
    ("Jansons", "Jansone"),
    ("Liepa", "Liepa"),
    ("Krūmiņš", "Krūmiņa"),
    ("Zariņš", "Zariņa"),
    ("Vītols", "Vītola"),
    ("Kļaviņš", "Kļaviņa"),
    ("Lapiņš", "Lapiņa"),
    ("Eglītis", "Eglīte"),
    ("Pētersons", "Pētersone"),
    ("Balodis", "Balode"),
    ("Ozoliņš", "Ozoliņa"),
    ("Siliņš", "Siliņa"),
    ("Kārkliņš", "Kārkliņa"),
    ("Strazds", "Strazda"),
    ("Zvaigzne", "Zvaigzne"),
    ("Vanags", "Vanaga"),
    ("Lācis", "Lāce"),
    ("Dzenis", "Dzene"),
    ("Rudzītis", "Rudzīte"),
]
# Daugavpils is largely Russian-speaking: Russian, Polish and Belarusian names, written
# the Latvian way.
LV_RUSSIAN_SURNAMES = [
    ("Ivanovs", "Ivanova"),
    ("Petrovs", "Petrova"),
    ("Smirnovs", "Smirnova"),
    ("Kuzņecovs", "Kuzņecova"),
    ("Popovs", "Popova"),
    ("Vasiļjevs", "Vasiļjeva"),
    ("Sokolovs", "Sokolova"),
    ("Mihailovs", "Mihailova"),
    ("Novikovs", "Novikova"),
    ("Fjodorovs", "Fjodorova"),
    ("Morozovs", "Morozova"),
    ("Volkovs", "Volkova"),
    ("Aleksejevs", "Aleksejeva"),
    ("Lebedevs", "Lebedeva"),
    ("Semjonovs", "Semjonova"),
    ("Jegorovs", "Jegorova"),
    ("Pavlovs", "Pavlova"),
    ("Kozlovs", "Kozlova"),
    ("Stepanovs", "Stepanova"),
    ("Nikolajevs", "Nikolajeva"),
    ("Orlovs", "Orlova"),
    ("Zaharovs", "Zaharova"),
    ("Jakubovskis", "Jakubovska"),
    ("Kovaļevskis", "Kovaļevska"),
]
LV_MALE = ["Jānis", "Andris", "Māris", "Aivars", "Guntis", "Edgars", "Kārlis", "Mārtiņš", "Roberts", "Artūrs"]
LV_FEMALE = ["Anna", "Inese", "Ilze", "Kristīne", "Līga", "Laura", "Dace", "Sandra", "Aija", "Zane", "Baiba"]
LV_RUSSIAN_MALE = ["Aleksandrs", "Sergejs", "Dmitrijs", "Andrejs", "Vladimirs", "Nikolajs", "Igors", "Jurijs"]
LV_RUSSIAN_MALE += ["Olegs", "Viktors", "Pāvels", "Mihails", "Staņislavs"]
LV_RUSSIAN_FEMALE = ["Jeļena", "Tatjana", "Natālija", "Olga", "Irina", "Svetlana", "Ludmila", "Marina"]
LV_RUSSIAN_FEMALE += ["Gaļina", "Valentīna", "Anastasija", "Jekaterina", "Ņina"]

RU_SURNAMES = [
    ("Иванов", "Иванова"),
    ("Петров", "Петрова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Васильев", "Васильева"),
    ("Соколов", "Соколова"),
    ("Михайлов", "Михайлова"),
    ("Новиков", "Новикова"),
    ("Фёдоров", "Фёдорова"),
    ("Морозов", "Морозова"),
    ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"),
    ("Лебедев", "Лебедева"),
    ("Семёнов", "Семёнова"),
    ("Егоров", "Егорова"),
    ("Павлов", "Павлова"),
    ("Козлов", "Козлова"),
    ("Степанов", "Степанова"),
    ("Николаев", "Николаева"),
    ("Орлов", "Орлова"),
    ("Захаров", "Захарова"),
    ("Белгородцев", "Белгородцева"),
    ("Курбатов", "Курбатова"),
    ("Щукин", "Щукина"),
    ("Жуков", "Жукова"),
]
RU_MALE = ["Александр", "Сергей", "Дмитрий", "Андрей", "Владимир", "Николай", "Игорь", "Юрий", "Олег"]
RU_MALE += ["Виктор", "Павел", "Михаил", "Алексей", "Евгений"]
RU_FEMALE = ["Елена", "Татьяна", "Наталья", "Ольга", "Ирина", "Светлана", "Людмила", "Марина", "Галина"]
RU_FEMALE += ["Валентина", "Анастасия", "Екатерина", "Нина", "Юлия"]
# Patronymics from fathers' names: (male form, female form).
RU_PATRONYMICS = [
    ("Александрович", "Александровна"),
    ("Сергеевич", "Сергеевна"),
    ("Владимирович", "Владимировна"),
    ("Николаевич", "Николаевна"),
    ("Петрович", "Петровна"),
    ("Иванович", "Ивановна"),
    ("Викторович", "Викторовна"),
    ("Михайлович", "Михайловна"),
    ("Юрьевич", "Юрьевна"),
    ("Андреевич", "Андреевна"),
]

LV_ORGANISATIONS = [
    "SIA “Latgales Maiznīca”",
    "SIA “Daugava Serviss”",
    "IK “Liepa un Partneri”",
    "SIA “Cietokšņa Aptieka”",
    "SIA “Saules Frizētava”",
    "Biedrība “Mūsu Pagalms”",
    "SIA “Dinaburgas Grāmatvedība”",
    "SIA “Veikals Rūķis”",
]
RU_ORGANISATIONS = [
    "ООО «Курская аптека»",
    "ООО «Сейм-Сервис»",
    "ИП Соколов А. В.",
    "ООО «Хлебный дом»",
    "ООО «Радуга»",
    "АНО «Центр досуга „Соловей“»",
    "ООО «Парикмахерская „Локон“»",
    "ИП Белгородцева Н. И.",
]

# --- Addresses ----------------------------------------------------------------------
LV_CITY = "Daugavpils"
LV_STREETS = [
    "Rīgas iela",
    "Saules iela",
    "18. Novembra iela",
    "Cietokšņa iela",
    "Viestura iela",
    "Raiņa iela",
    "Ģimnāzijas iela",
    "Vienības iela",
    "Varšavas iela",
    "Stacijas iela",
    "Parādes iela",
    "Lāčplēša iela",
    "Krāslavas iela",
    "Smilšu iela",
    "Jelgavas iela",
    "Sporta iela",
    "Tautas iela",
    "Ventspils iela",
    "Aizsargu iela",
    "Višķu iela",
]
LV_POSTCODES = ["LV-5401", "LV-5403", "LV-5404", "LV-5410", "LV-5417", "LV-5422"]

RU_CITY = "Курск"
RU_STREETS = [
    "ул. Ленина",
    "ул. Радищева",
    "пр-т Победы",
    "ул. Дзержинского",
    "ул. Карла Маркса",
    "ул. Советская",
    "ул. Сумская",
    "ул. Ватутина",
    "ул. Челюскинцев",
    "ул. Дружбы",
    "пр-т Клыкова",
    "ул. Энгельса",
    "ул. Пучковка",
    "ул. 50 лет Октября",
    "пр-т Дериглазова",
    "ул. Серафима Саровского",
    "ул. Магистральная",
    "ул. Союзная",
]
RU_POSTCODES = ["305000", "305004", "305016", "305018", "305029", "305040"]

# Where meters hang, in each language the utility writes (Meter.location_<lang>).
LOCATIONS = {
    "kitchen": {"lv": "virtuve", "ru": "кухня", "en": "kitchen"},
    "bathroom": {"lv": "vannas istaba", "ru": "ванная", "en": "bathroom"},
    "toilet": {"lv": "tualete", "ru": "туалет", "en": "toilet"},
    "hall": {"lv": "gaitenis", "ru": "коридор", "en": "hall"},
}

# --- Meters: model name and a serial-number pattern (# = a digit) ----------------------
WATER_METER_MODELS = {
    "cold_water": [
        ("Apator Powogaz JS-90 1.6", "########"),
        ("Sensus 620 Q3 2.5", "##-######"),
        ("Zenner ETK-N 1.6", "ZR#######"),
        ("Itron Flodis 1.6", "I##LA######"),
    ],
    "hot_water": [
        ("Apator Powogaz JS-90 1.6 (90 °C)", "########"),
        ("Sensus 620 Q3 2.5 hot", "##-######"),
        ("Zenner ETW-N 1.6", "ZR#######"),
    ],
    "gas": [
        ("Elster BK-G4", "##########"),
        ("Itron G4 RF1", "#######"),
        ("Metrix G4 UG", "M#######"),
    ],
}
RU_WATER_METER_MODELS = {
    "cold_water": [
        ("Пульсар Ду15 (хол.)", "########"),
        ("Бетар СХВ-15", "########"),
        ("Декаст ВСХ-15", "########"),
        ("Zenner ETK-N 1.5", "ZR#######"),
    ],
    "hot_water": [
        ("Пульсар Ду15 (гор.)", "########"),
        ("Бетар СГВ-15", "########"),
        ("Декаст ВСГ-15", "########"),
        ("Zenner ETW-N 1.5", "ZR#######"),
    ],
}

# --- Services ---------------------------------------------------------------------------
# (code, names lv/ru/en, short names, unit, basis, verification years, monthly use per
#  resident or per flat, tariff before → after the change (net of VAT))
LV_SERVICES = [
    {
        "code": "cold_water",
        "name_lv": "Aukstais ūdens",
        "name_ru": "Холодная вода",
        "name_en": "Cold water",
        "short_names": "хвс,холодная,холодной,auksts,aukstais,aukstā,cold",
        "unit": "m3",
        "basis": "metered",
        "verification_interval_years": 6,
        "use_per_resident": Decimal("2.6"),
        "prices": (Decimal("2.02000"), Decimal("2.18000")),
    },
    {
        "code": "hot_water",
        "name_lv": "Karstais ūdens",
        "name_ru": "Горячая вода",
        "name_en": "Hot water",
        "short_names": "гвс,горячая,горячей,karsts,karstais,karstā,hot",
        "unit": "m3",
        "basis": "metered",
        "verification_interval_years": 4,
        "use_per_resident": Decimal("1.5"),
        "prices": (Decimal("6.85000"), Decimal("7.12000")),
    },
    {
        # Liquefied petroleum gas from the building's tank, metered in m³ of gas.
        "code": "gas",
        "name_lv": "Sašķidrinātā gāze",
        "name_ru": "Сжиженный газ",
        "name_en": "Liquefied gas (LPG)",
        "short_names": "газ,gāze,gaze,gas,lpg",
        "unit": "m3",
        "basis": "metered",
        "verification_interval_years": 8,
        "use_per_flat": Decimal("2.4"),
        "prices": (Decimal("3.10000"), Decimal("2.94000")),
    },
    {
        "code": "maintenance",
        "name_lv": "Mājas apsaimniekošana",
        "name_ru": "Обслуживание дома",
        "name_en": "Building maintenance",
        "short_names": "apsaimniekošana,обслуживание,maintenance",
        "unit": "m2",
        "basis": "per_m2",
        "verification_interval_years": 6,
        "prices": (Decimal("0.62000"), Decimal("0.66000")),
    },
]
LV_VAT = Decimal("21")

RU_SERVICES = [
    {
        "code": "cold_water",
        "name_lv": "Aukstais ūdens",
        "name_ru": "Холодное водоснабжение",
        "name_en": "Cold water",
        "short_names": "хвс,холодная,холодной,хол,auksts,aukstais,cold",
        "unit": "m3",
        "basis": "metered",
        "verification_interval_years": 6,
        "use_per_resident": Decimal("3.4"),
        "norm": Decimal("4.2100"),
        "prices": (Decimal("36.50000"), Decimal("40.15000")),
    },
    {
        "code": "hot_water",
        "name_lv": "Karstais ūdens",
        "name_ru": "Горячее водоснабжение",
        "name_en": "Hot water",
        "short_names": "гвс,горячая,горячей,гор,karsts,karstais,hot",
        "unit": "m3",
        "basis": "metered",
        "verification_interval_years": 4,
        "use_per_resident": Decimal("2.3"),
        "norm": Decimal("3.0500"),
        "prices": (Decimal("192.40000"), Decimal("211.60000")),
    },
    {
        # Billed on the volume of cold and hot water (Service.volume_of).
        "code": "sewerage",
        "name_lv": "Kanalizācija",
        "name_ru": "Водоотведение",
        "name_en": "Sewerage",
        "short_names": "водоотведение,канализация,kanalizācija,sewerage",
        "unit": "m3",
        "basis": "metered",
        "verification_interval_years": 6,
        "norm": Decimal("7.2600"),
        "prices": (Decimal("28.40000"), Decimal("31.25000")),
        "volume_of": ["cold_water", "hot_water"],
    },
]
# VAT on housing and utility services in Russia: 20% until 2025, 22% from 2026-01-01.
RU_VAT_CHANGE = "2026-01-01"
RU_VAT_BEFORE, RU_VAT_AFTER = Decimal("20"), Decimal("22")

# The central bank key rate over time (penalties under Housing Code art. 155 use the
# rate of 9.5% fixed since 2022-02-28).
RU_KEY_RATES = [
    ("2021-12-20", Decimal("8.500")),
    ("2022-02-28", Decimal("9.500")),
]


# --- Legal and bank details (generated so the check digits are valid) ------------------
def lv_iban(bank: str, account: str) -> str:
    """A Latvian IBAN with valid check digits for a bank code and 13-character account."""
    body = f"LV00{bank}{account}"
    return f"LV{iban_check.calc_check_digits(body)}{bank}{account}"


def lv_registration_number(prefix: str = "4010358") -> str:
    """The first valid 11-digit Latvian legal-entity number starting with `prefix`."""
    for tail in range(10 ** (11 - len(prefix))):
        candidate = f"{prefix}{tail:0{11 - len(prefix)}d}"
        if pvn.is_valid(candidate):
            return candidate
    raise ValueError(prefix)


def ru_inn(prefix: str = "46321144") -> str:
    """The first valid 10-digit INN of an organisation starting with `prefix` (46 = Kursk)."""
    for tail in range(10 ** (9 - len(prefix))):
        body = f"{prefix}{tail:0{9 - len(prefix)}d}"
        candidate = body + inn.calc_company_check_digit(body)
        if inn.is_valid(candidate):
            return candidate
    raise ValueError(prefix)


def ru_ogrn(prefix: str = "10246008") -> str:
    for tail in range(10 ** (12 - len(prefix))):
        body = f"{prefix}{tail:0{12 - len(prefix)}d}"
        candidate = body + ogrn.calc_check_digit(body)
        if ogrn.is_valid(candidate):
            return candidate
    raise ValueError(prefix)


def ru_account_key_valid(bic: str, account: str, *, correspondent: bool = False) -> bool:
    """The control key of a Russian bank account (Bank of Russia rules): weights 7,1,3 over
    the BIC's last three digits (or "0" + its 5th-6th digits for a correspondent account)
    followed by the 20 account digits; the sum's last digit must be 0."""
    prefix = "0" + bic[4:6] if correspondent else bic[-3:]
    digits = prefix + account
    weights = [7, 1, 3] * 8
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 10 == 0


def ru_account_with_key(bic: str, account: str) -> str:
    """`account` with its 9th digit (the key) set so that the control key is valid."""
    for key in "0123456789":
        candidate = account[:8] + key + account[9:]
        if ru_account_key_valid(bic, candidate):
            return candidate
    raise ValueError(account)


LV_PROFILE = {
    "name": "SIA “Daugavas Nami”",
    "short_name": "Daugavas Nami",
    "legal_name": "Sabiedrība ar ierobežotu atbildību “Daugavas Nami”",
    "currency": "EUR",
    "languages": "lv,ru,en",
    "reading_window_first_day": 27,
    "reading_window_last_day": 0,
    "invoice_day": 10,
    "payment_due_day": 25,
    "registration_mode": "self",
    "reset_by_account_and_phone": False,
    "average_enabled": False,
    "penalty_policy": "none",
    "bank_name": "Swedbank AS",
    "bic": "HABALV22",
    "address": "Ezermalas iela 21A, Daugavpils, LV-5417",
    "email": "klienti@daugavasnami.example",
    "website": "https://daugavasnami.example",
    "phone_emergency": "+371 6540 0112",
    "phone_reception": "+371 6540 2100",
    "phone_readings": "+371 6540 2133",
    "readings_email": "radijumi@daugavasnami.example",
    "readings_sms_number": "+371 2604 2133",
    "opening_hours_lv": (
        "Pirmdien 8:00–18:00\nOtrdien–ceturtdien 8:00–17:00\nPiektdien 8:00–15:00\n"
        "Klientu apkalpošanas centrs: Ezermalas iela 21A, 1. stāvs\nAvārijas dienests: visu diennakti"
    ),
    "opening_hours_ru": (
        "Понедельник 8:00–18:00\nВторник–четверг 8:00–17:00\nПятница 8:00–15:00\n"
        "Центр обслуживания клиентов: Ezermalas iela 21A, 1-й этаж\nАварийная служба: круглосуточно"
    ),
    "opening_hours_en": (
        "Monday 8:00–18:00\nTuesday–Thursday 8:00–17:00\nFriday 8:00–15:00\n"
        "Customer service centre: Ezermalas iela 21A, ground floor\nEmergency service: day and night"
    ),
}

RU_BIC = "043807606"
RU_PROFILE = {
    "name": "МУП «Курский городской водоканал»",
    "short_name": "Горводоканал",
    "legal_name": "Муниципальное унитарное предприятие «Курский городской водоканал»",
    "currency": "RUB",
    "languages": "ru",
    "reading_window_first_day": 23,
    "reading_window_last_day": 25,
    "invoice_day": 1,
    "payment_due_day": 15,
    "registration_mode": "staff",
    "reset_by_account_and_phone": True,
    "average_enabled": True,
    "average_history_months": 6,
    "average_min_months": 3,
    "average_max_periods": 6,
    "average_max_periods_failed": 3,
    "norm_coefficient_failed": Decimal("1.50"),
    "penalty_policy": "ru155",
    "penalty_grace_days": 30,
    "bank_name": "Курское отделение № 8596 ПАО Сбербанк",
    "bic": RU_BIC,
    "correspondent_account": "30101810300000000606",
    "kpp": "463201001",
    "address": "305004, г. Курск, ул. Водопроводная, 17",
    "email": "abonent@gorvodokanal.example",
    "website": "https://gorvodokanal.example",
    "phone_emergency": "+7 (4712) 70-00-01",
    "phone_reception": "+7 (4712) 70-23-16",
    "phone_readings": "+7 (4712) 22-76-33",
    "readings_email": "pokazaniya@gorvodokanal.example",
    "readings_sms_number": "+7 (951) 070-76-33",
    "opening_hours_ru": (
        "Пн–чт 8:00–17:00, пт 8:00–16:00, обед 12:00–12:48\n"
        "Приём показаний: с 23 по 25 число\nАварийно-диспетчерская служба: круглосуточно"
    ),
}


def profile_fields(preset: str) -> dict:
    """The UtilityProfile fields of a preset, with generated valid legal and bank numbers."""
    if preset == "ru":
        fields = dict(RU_PROFILE)
        fields["inn"] = ru_inn()
        fields["registration_number"] = ru_ogrn()
        fields["bank_account"] = ru_account_with_key(RU_BIC, "40702810033000004561")
        return fields
    fields = dict(LV_PROFILE)
    reg = lv_registration_number()
    fields["registration_number"] = reg
    fields["vat_number"] = f"LV{reg}"
    fields["iban"] = lv_iban("HABA", "0551039845217")
    return fields


# --- News and outage notices, in each language the utility writes ---------------------
# {field} names a UtilityProfile field (the numbers and addresses customers use).
# `days_ago`: published that many days before the demo's day.
LV_NEWS = [
    {
        "days_ago": 2,
        "title": {
            "lv": "Skaitītāju rādījumus var nosūtīt arī īsziņā vai e-pastā",
            "ru": "Показания счётчиков можно передать по SMS и электронной почте",
            "en": "Send your meter readings by SMS or e-mail",
        },
        "body": {
            "lv": "Rādījumus var iesniegt, arī neienākot portālā. Nosūtiet īsziņu uz numuru {readings_sms_number} "
            "vai e-pastu uz {readings_email}: konta numuru, tad katru skaitītāju un tā rādījumu, piemēram, "
            "„100001 auksts 123,4 karsts 45”. Atbildē saņemsiet apstiprinājumu ar katra rādījuma statusu.\n\n"
            "Rādījumus pieņem katra mēneša no 27. datuma līdz mēneša beigām. Agrāk nosūtītos rādījumus "
            "saglabājam un ņemam vērā, tiklīdz sākas pieņemšana.",
            "ru": "Показания можно передать, не входя в портал. Отправьте SMS на номер {readings_sms_number} "
            "или письмо на {readings_email}: номер лицевого счёта, затем каждый счётчик и его показание, "
            "например «100001 хвс 123,4 гвс 45». В ответ придёт подтверждение со статусом каждого показания.\n\n"
            "Показания принимаются с 27 числа до конца каждого месяца. Показания, отправленные раньше, "
            "сохраняются и учитываются, как только начнётся приём.",
            "en": "You can send readings without logging in to the portal. Text {readings_sms_number} or e-mail "
            "{readings_email}: your account number, then each meter and its reading, for example "
            "“100001 cold 123.4 hot 45”. The reply confirms the status of every reading.\n\n"
            "Readings are accepted from the 27th to the end of each month. Readings sent earlier are kept and "
            "applied as soon as the window opens.",
        },
    },
    {
        "days_ago": 9,
        "title": {
            "lv": "Ūdensvada stāvvadu apsekošana dzīvokļos",
            "ru": "Осмотр стояков водоснабжения в квартирах",
            "en": "Inspection of the water risers in the flats",
        },
        "body": {
            "lv": "Divu mēnešu laikā mūsu santehniķi apsekos aukstā un karstā ūdens stāvvadus un skaitītāju "
            "plombas. Apmeklējuma laiku izliksim kāpņu telpā vismaz trīs dienas iepriekš. Ja laiks jums neder, "
            "lūdzu, zvaniet uz klientu apkalpošanas centru: {phone_reception}.",
            "ru": "В течение двух месяцев наши сантехники осмотрят стояки холодной и горячей воды и пломбы на "
            "счётчиках. Время визита мы вывесим на лестничной клетке не позднее чем за три дня. Если время вам "
            "не подходит, позвоните, пожалуйста, в центр обслуживания клиентов: {phone_reception}.",
            "en": "Over the next two months our plumbers will inspect the cold and hot water risers and the meter "
            "seals. We post the time of the visit in the stairwell at least three days ahead. If it does not "
            "suit you, please call the customer service centre on {phone_reception}.",
        },
    },
    {
        "days_ago": 23,
        "title": {
            "lv": "Rēķins e-pastā katru mēnesi",
            "ru": "Счёт по электронной почте каждый месяц",
            "en": "Your invoice by e-mail every month",
        },
        "body": {
            "lv": "Portāla lietotāji saņem e-pastu, tiklīdz izrakstīts jaunais rēķins (katra mēneša 10. datumā). "
            "Rēķinu var apskatīt, lejupielādēt PDF formātā un apmaksāt, noskenējot QR kodu bankas lietotnē. "
            "Paziņojumus var ieslēgt vai izslēgt portāla iestatījumos.",
            "ru": "Пользователи портала получают письмо, как только выставлен новый счёт (10-го числа каждого "
            "месяца). Счёт можно посмотреть, скачать в PDF и оплатить, отсканировав QR-код в приложении банка. "
            "Уведомления включаются и отключаются в настройках портала.",
            "en": "Portal users get an e-mail as soon as a new invoice is issued (on the 10th of each month). "
            "View the invoice, download it as a PDF and pay it by scanning its QR code in your bank's app. "
            "Turn the e-mails on or off in the portal's settings.",
        },
    },
    {
        "days_ago": 47,
        "title": {
            "lv": "Klientu portāls tagad ērti lietojams telefonā",
            "ru": "Клиентский портал теперь удобно открывать с телефона",
            "en": "The customer portal on your phone",
        },
        "body": {
            "lv": "Portālu var pievienot telefona sākuma ekrānam: atveriet to pārlūkā un izvēlieties „Pievienot "
            "sākuma ekrānam”. Rādījumus var ievadīt arī bez interneta savienojuma: tie tiks nosūtīti, tiklīdz "
            "savienojums atjaunosies.",
            "ru": "Портал можно добавить на главный экран телефона: откройте его в браузере и выберите «Добавить "
            "на главный экран». Показания можно ввести и без интернета: они отправятся, как только связь "
            "восстановится.",
            "en": "Add the portal to your phone's home screen: open it in the browser and choose “Add to Home "
            "screen”. You can enter readings without a connection too: they are sent as soon as it returns.",
        },
    },
]

RU_NEWS = [
    {
        "days_ago": 1,
        "title": {"ru": "Показания счётчиков — по SMS и электронной почте"},
        "body": {
            "ru": "Передать показания можно без входа в личный кабинет: отправьте SMS на номер "
            "{readings_sms_number} или письмо на {readings_email}. Напишите номер лицевого счёта, затем каждый "
            "счётчик и его показание, например: «4610000001 хвс 123 гвс 45». Показания принимаются с 23 по 25 "
            "число каждого месяца, только целые кубометры: цифры после запятой не указывайте."
        },
    },
    {
        "days_ago": 12,
        "title": {"ru": "Проверьте срок поверки счётчиков"},
        "body": {
            "ru": "Дата следующей поверки каждого счётчика указана в личном кабинете, в разделе «Показания». "
            "После окончания срока поверки показания счётчика не принимаются: начисление ведётся по среднему "
            "потреблению, а затем по нормативу с повышающим коэффициентом 1,5. Поверку или замену счётчика "
            "можно заказать в разделе «Заявки»."
        },
    },
    {
        "days_ago": 30,
        "title": {"ru": "Промывка водопроводных сетей в Центральном округе"},
        "body": {
            "ru": "Водоканал проводит плановую промывку водопроводных сетей. Во время работ возможны "
            "кратковременное снижение давления и помутнение воды: перед использованием дайте воде стечь "
            "2–3 минуты. Вопросы — по телефону приёмной {phone_reception}."
        },
    },
    {
        "days_ago": 52,
        "title": {"ru": "Виртуальная приёмная: вопрос директору"},
        "body": {
            "ru": "На странице «Контакты» работает виртуальная приёмная: задайте вопрос, оставьте жалобу или "
            "предложение, в том числе директору предприятия. Ответ придёт на электронную почту, а вся переписка "
            "сохранится в личном кабинете."
        },
    },
]

# Outages: `where` is "home" (the demo customer's building), "street" (her street, as an
# affected street) or "elsewhere"; `starts_in_days` 0 means it started `started_hours_ago`.
LV_OUTAGES = [
    {
        "kind": "emergency",
        "service": "cold_water",
        "where": "home",
        "starts_in_days": 0,
        "started_hours_ago": 2,
        "hours": 6,
        "title": {
            "lv": "Avārija: nav aukstā ūdens",
            "ru": "Авария: нет холодной воды",
            "en": "Emergency: no cold water",
        },
        "description": {
            "lv": "Pagrabā bojāts aukstā ūdens stāvvads. Avārijas brigāde strādā uz vietas. Lūdzam neatstāt "
            "atvērtus krānus.",
            "ru": "В подвале повреждён стояк холодной воды. Аварийная бригада работает на месте. Просим не "
            "оставлять краны открытыми.",
            "en": "A cold water riser in the basement is damaged. The emergency crew is on site. Please do not "
            "leave the taps open.",
        },
    },
    {
        "kind": "planned",
        "service": "hot_water",
        "where": "street",
        "starts_in_days": 4,
        "start_hour": 9,
        "hours": 6,
        "title": {
            "lv": "Karstā ūdens padeves pārtraukums siltummezgla apkopes dēļ",
            "ru": "Отключение горячей воды: обслуживание теплового узла",
            "en": "Hot water off for heat substation maintenance",
        },
        "description": {
            "lv": "Veiksim siltummezgla profilaktisko apkopi un cauruļvadu spiediena pārbaudi. Lūdzam laikus "
            "sagatavot karstā ūdens krājumus.",
            "ru": "Проводим профилактическое обслуживание теплового узла и опрессовку трубопроводов. Пожалуйста, "
            "заранее запаситесь горячей водой.",
            "en": "We are servicing the heat substation and pressure-testing the pipes. Please store some hot "
            "water in advance.",
        },
    },
    {
        "kind": "planned",
        "service": "gas",
        "where": "elsewhere",
        "starts_in_days": 9,
        "start_hour": 10,
        "hours": 4,
        "title": {
            "lv": "Gāzes padeves pārtraukums: gāzes vada pārbaude",
            "ru": "Отключение газа: проверка газопровода",
            "en": "Gas off: gas pipe inspection",
        },
        "description": {
            "lv": "Sertificēts gāzes dienests pārbaudīs mājas gāzes vada hermētiskumu. Darbu laikā gāzes plītis "
            "lietot nevarēs. Lūdzam nodrošināt piekļuvi dzīvoklim.",
            "ru": "Сертифицированная газовая служба проверит герметичность внутридомового газопровода. Во время "
            "работ газовыми плитами пользоваться нельзя. Просим обеспечить доступ в квартиру.",
            "en": "A certified gas service will check the building's gas pipes for leaks. Gas stoves cannot be "
            "used during the work. Please make sure we can enter your flat.",
        },
    },
]

RU_OUTAGES = [
    {
        "kind": "emergency",
        "service": "cold_water",
        "where": "street",
        "starts_in_days": 0,
        "started_hours_ago": 3,
        "hours": 8,
        "title": {"ru": "Аварийное отключение холодной воды"},
        "description": {
            "ru": "Порыв водопроводной линии Ду 150. Аварийная бригада работает на месте. Подвоз питьевой воды — "
            "по заявке в аварийно-диспетчерскую службу."
        },
    },
    {
        "kind": "planned",
        "service": "cold_water",
        "where": "home",
        "starts_in_days": 3,
        "start_hour": 9,
        "hours": 8,
        "title": {"ru": "Плановое отключение холодной воды: замена задвижки на вводе"},
        "description": {"ru": "Заменяем задвижку на вводе водопровода в дом. Пожалуйста, заранее запаситесь водой."},
    },
    {
        "kind": "planned",
        "service": "sewerage",
        "where": "elsewhere",
        "starts_in_days": 8,
        "start_hour": 10,
        "hours": 4,
        "title": {"ru": "Прочистка канализационного коллектора"},
        "description": {"ru": "Плановая прочистка коллектора. Просим ограничить слив воды на время работ."},
    },
]
