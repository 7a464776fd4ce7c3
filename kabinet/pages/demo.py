"""The demo utility's own pages (seed_demo calls pages_demo_build from kabinet.demo.builder).

Texts in the preset's languages, written for the demo: the Latvian water company in lv, ru
and en, the Russian vodokanal in ru. Tariffs, channels and bank details are not written
here: the pages generate them from the demo's tariffs and profile.
"""

import datetime as dt

from django.core.files.base import ContentFile

from kabinet.pages.models import Document, DocumentKind, Page, PageKind
from kabinet.pages.services import document_save, page_save

LV_PAGES = [
    (
        "about",
        PageKind.ABOUT,
        {
            "lv": (
                "Par uzņēmumu",
                "Mēs apgādājam pilsētu ar dzeramo ūdeni un attīrām notekūdeņus kopš 1994. gada.\n\n"
                "Mūsu darbs:\n- ūdens ieguve un sagatavošana\n- ūdensvadu un kanalizācijas tīklu uzturēšana\n"
                "- skaitītāju verificēšana un nomaiņa\n\nAvārijas gadījumā zvaniet diennakts avārijas dienestam.",
            ),
            "ru": (
                "О предприятии",
                "Мы снабжаем город питьевой водой и очищаем сточные воды с 1994 года.\n\n"
                "Наша работа:\n- добыча и подготовка воды\n- содержание водопроводных и канализационных сетей\n"
                "- поверка и замена счётчиков\n\nПри аварии звоните в круглосуточную аварийную службу.",
            ),
            "en": (
                "About us",
                "We have supplied the town with drinking water and treated its waste water since 1994.\n\n"
                "What we do:\n- abstract and treat water\n- maintain the water and sewer networks\n"
                "- verify and replace meters\n\nIn an emergency call the round-the-clock emergency line.",
            ),
        },
    ),
    (
        "tariffs",
        PageKind.TARIFFS,
        {
            "lv": ("Spēkā esošie tarifi", "Tarifus apstiprina Sabiedrisko pakalpojumu regulēšanas komisija."),
            "ru": ("Действующие тарифы", "Тарифы утверждает Комиссия по регулированию общественных услуг."),
            "en": ("Tariffs in force", "The tariffs are approved by the Public Utilities Commission."),
        },
    ),
    (
        "readings",
        PageKind.READINGS,
        {
            "lv": ("Kā nodot skaitītāju rādījumus", "Rādījumus var nodot jebkurā no šiem veidiem."),
            "ru": ("Как передать показания счётчиков", "Показания можно передать любым из этих способов."),
            "en": ("How to submit meter readings", "Send your readings by any of these channels."),
        },
    ),
    (
        "payment",
        PageKind.PAYMENT,
        {
            "lv": ("Kā apmaksāt rēķinu", "Rēķinu var apmaksāt internetbankā, ar karti portālā vai klientu centrā."),
            "ru": (
                "Как оплатить счёт",
                "Счёт можно оплатить в интернет-банке, картой на портале или в клиентском центре.",
            ),
            "en": ("How to pay", "Pay by internet bank, by card in the portal, or at the customer centre."),
        },
    ),
    (
        "water-quality",
        PageKind.WATER_QUALITY,
        {
            "lv": ("Dzeramā ūdens kvalitāte", "Ūdens paraugus akreditēta laboratorija pārbauda katru mēnesi."),
            "ru": ("Качество питьевой воды", "Пробы воды аккредитованная лаборатория проверяет каждый месяц."),
            "en": ("Drinking water quality", "An accredited laboratory tests water samples every month."),
        },
    ),
    (
        "documents",
        PageKind.DOCUMENTS,
        {
            "lv": ("Dokumenti un līgumi", "Līguma paraugs un pakalpojumu noteikumi."),
            "ru": ("Документы и договоры", "Образец договора и правила оказания услуг."),
            "en": ("Documents and contracts", "A model contract and the terms of service."),
        },
    ),
    (
        "faq",
        PageKind.FAQ,
        {
            "lv": (
                "Biežāk uzdotie jautājumi",
                "## Kur atrast klienta kodu?\nKlienta kods ir redzams ikmēneša rēķinā zem vārda un uzvārda.\n\n"
                "## Ko darīt, ja aizmirsu nodot rādījumus?\nRēķinā tiks aprēķināts patēriņš pēc vidējā; "
                "nododiet rādījumus nākamajā mēnesī.",
            ),
            "ru": (
                "Частые вопросы",
                "## Где найти код клиента?\nКод клиента указан в ежемесячном счёте под именем и фамилией.\n\n"
                "## Что делать, если я не передал показания?\nВ счёт войдёт расход по среднему; "
                "передайте показания в следующем месяце.",
            ),
            "en": (
                "Frequently asked questions",
                "## Where is my client code?\nIt is printed on the monthly invoice under your name.\n\n"
                "## I forgot to submit readings. What now?\nThe invoice charges an average; "
                "submit your readings next month.",
            ),
        },
    ),
]

RU_PAGES = [
    (
        "about",
        PageKind.ABOUT,
        {
            "ru": (
                "О предприятии",
                "Муниципальное предприятие обеспечивает город холодной водой и водоотведением.\n\n"
                "Приём абонентов:\n- пн–чт 8:00–17:00\n- пт 8:00–16:00\n\n"
                "Аварийная служба работает круглосуточно.",
            )
        },
    ),
    (
        "tariffs",
        PageKind.TARIFFS,
        {"ru": ("Тарифы", "Тарифы установлены комитетом по тарифам и ценам области и включают НДС.")},
    ),
    (
        "readings",
        PageKind.READINGS,
        {"ru": ("Как передать показания", "Показания принимаются только в дни, указанные ниже.")},
    ),
    (
        "payment",
        PageKind.PAYMENT,
        {"ru": ("Оплата", "Оплатить можно в отделениях банков, через онлайн-банк по реквизитам или в кассе.")},
    ),
    (
        "water-quality",
        PageKind.WATER_QUALITY,
        {"ru": ("Качество воды", "Результаты лабораторного контроля питьевой воды публикуются ежеквартально.")},
    ),
    (
        "documents",
        PageKind.DOCUMENTS,
        {"ru": ("Документы и договоры", "Типовой договор холодного водоснабжения и водоотведения.")},
    ),
    (
        "faq",
        PageKind.FAQ,
        {
            "ru": (
                "Вопросы и ответы",
                "## Как зарегистрироваться в личном кабинете?\nОбратитесь в пункт обслуживания с паспортом.\n\n"
                "## Когда передавать показания?\nВ дни приёма показаний, указанные на странице о показаниях.",
            )
        },
    ),
]

LV_DOCUMENTS = [
    (
        DocumentKind.WATER_QUALITY,
        {"lv": "Ūdens kvalitātes pārskats", "ru": "Отчёт о качестве воды", "en": "Water quality report"},
    ),
    (DocumentKind.CONTRACT, {"lv": "Līguma paraugs", "ru": "Образец договора", "en": "Model contract"}),
]
RU_DOCUMENTS = [
    (DocumentKind.WATER_QUALITY, {"ru": "Протокол лабораторного контроля воды"}),
    (DocumentKind.CONTRACT, {"ru": "Типовой договор водоснабжения"}),
]


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF with one line of ASCII text: enough for the demo's downloads."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pages_demo_build(*, preset: str, actor, today: dt.date) -> int:
    """The demo's pages and documents, published; returns how many pages."""
    specs = RU_PAGES if preset == "ru" else LV_PAGES
    for order, (slug, kind, texts) in enumerate(specs, start=1):
        page = Page(slug=slug, kind=kind, sort_order=order, publish_from=today - dt.timedelta(days=30), published=True)
        for language, (title, body) in texts.items():
            setattr(page, f"title_{language}", title)
            setattr(page, f"body_{language}", body)
        page_save(page=page, actor=actor)
    for number, (kind, titles) in enumerate(RU_DOCUMENTS if preset == "ru" else LV_DOCUMENTS, start=1):
        document = Document(kind=kind, publish_from=today - dt.timedelta(days=number * 20))
        for language, title in titles.items():
            setattr(document, f"title_{language}", title)
        upload = ContentFile(tiny_pdf(f"Demo document {number}"), name="demo.pdf")
        document_save(document=document, actor=actor, upload=upload)
    return len(specs)
