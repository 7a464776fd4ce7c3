"""ГИС ЖКХ (dom.gosuslugi.ru): the Excel upload templates a small supplier fills instead of
the SOAP integration (DOMAIN.md: the state system must receive accounts, meters, readings
and payment documents; small utilities use its Excel templates).

One workbook per template, its sheets and columns declared below in the templates' order;
row 1 holds the headers (required columns in bold), the data starts in row 2. The header
texts are the templates' own, in Russian whatever the page's language: ГИС ЖКХ matches
columns by them. Dictionary values (account type, meter kind, resource) are written as the
templates' drop-down lists name them.

Which template version this follows, and how sure we are. The templates are published per
release of ГИС ЖКХ (the "Шаблоны для импорта" archive of the current version on
dom.gosuslugi.ru); this machine cannot fetch them, and the public-code index holds none of
the .xlsx files. The column lists are therefore the templates' documented content, not a
copy of a file, and must be checked against the archive of the version in force before the
first upload (TEMPLATE_VERSION names what we followed):
- the way every template works (fields that ГИС assigns, such as the ЕЛС, the ЖКУ
  identifier, the GUIDs of meters and payment documents, are "assigned by the site and
  filled after downloading from it; left empty, or given our own identifier, on a first
  upload"): help.informsoyuzgkh.ru, the description of the sheets of "ГИС ЖКХ.xlsx"
  (e.g. "Перерывы", "Платежки (капитальный ремонт)");
- accounts placed through templates, the ЕЛС and "номер ЛС (иной идентификатор
  потребителя)": roskvartal.ru, "ГИС, сдавайся! Часть IX: размещаем данные о лицевых
  счетах в ГИС ЖКХ"; the ЖКУ identifier is the ЕЛС, "-" and a two-digit number;
- the payment document's sections 1-2 (payer, period, areas, debt, payments counted, bank
  details) and 3-6 (per service: volume and how it was determined, tariff, charged,
  recalculations, total): ПП 354 p.69 and Приказ Минстроя №43/пр (DOMAIN.md) as the
  template's sections follow them; "Номер платежного документа", "Итого к оплате за
  расчетный период": the informsoyuzgkh description;
- meters and readings (serial number, kind, resource, dates of installation, commissioning
  and verification, the reading at commissioning; a reading's value and date): the
  technological instruction for resource suppliers (documentbase.net, "Технологическая
  инструкция РСО", sections on meters) as far as its text could be read here.
Every column is marked below; those not confirmed column-for-column are listed in
UNCONFIRMED, and the report of the change says so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

TEMPLATE_VERSION = "ГИС ЖКХ templates, documented content as of release 14.x (to be checked against the archive)"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


@dataclass(frozen=True)
class Template:
    slug: str
    title: str  # the page's name for it (translated)
    file_title: str  # the template's own name
    sheets: tuple[Sheet, ...]


REQ, OPT = True, False

ACCOUNTS = Template(
    "gis-accounts",
    _("ГИС ЖКХ: accounts"),
    "Шаблон импорта лицевых счетов",
    (
        Sheet(
            "Основные сведения",
            (
                Column("№ записи", REQ),
                Column("Номер ЛС (иной идентификатор потребителя)", REQ),
                Column("Тип лицевого счета", REQ),
                Column("Фамилия", OPT),
                Column("Имя", OPT),
                Column("Отчество", OPT),
                Column("Наименование организации", OPT),
                Column("ОГРН/ОГРНИП", OPT),
                Column("Общая площадь, кв.м", OPT),
                Column("Количество проживающих, чел.", OPT),
                # Assigned by ГИС ЖКХ: empty on a first upload.
                Column("Единый лицевой счет (ЕЛС)", OPT),
                Column("Идентификатор ЖКУ", OPT),
            ),
        ),
        Sheet(
            "Помещения",
            (
                Column("№ записи лицевого счета", REQ),
                Column("Адрес помещения", REQ),
                # The ФИАС/ГИС code of the house is not in our data: ГИС finds the house by
                # the address on a first upload, or the column is filled after the download.
                Column("Код дома по ФИАС", OPT),
                Column("Номер помещения", OPT),
                Column("Доля внесения платы, %", REQ),
            ),
        ),
    ),
)

METERS = Template(
    "gis-meters",
    _("ГИС ЖКХ: meters"),
    "Шаблон импорта приборов учета",
    (
        Sheet(
            "Сведения о ПУ",
            (
                Column("№ записи", REQ),
                Column("Заводской (серийный) номер ПУ", REQ),
                Column("Вид ПУ", REQ),
                Column("Марка и модель ПУ", OPT),
                Column("Номер ЛС (иной идентификатор потребителя)", REQ),
                Column("Адрес помещения", REQ),
                Column("Номер помещения", OPT),
                Column("Коммунальный ресурс", REQ),
                Column("Единица измерения", REQ),
                Column("Дата установки", OPT),
                Column("Дата ввода в эксплуатацию", REQ),
                Column("Дата последней поверки", OPT),
                Column("Межповерочный интервал, лет", OPT),
                Column("Показание на дату ввода в эксплуатацию", REQ),
                Column("Идентификатор ПУ в ГИС ЖКХ", OPT),  # assigned by ГИС ЖКХ
            ),
        ),
    ),
)

READINGS = Template(
    "gis-readings",
    _("ГИС ЖКХ: meter readings"),
    "Шаблон импорта показаний приборов учета",
    (
        Sheet(
            "Показания ИПУ",
            (
                Column("№ записи", REQ),
                Column("Заводской (серийный) номер ПУ", REQ),
                Column("Идентификатор ПУ в ГИС ЖКХ", OPT),
                Column("Номер ЛС (иной идентификатор потребителя)", REQ),
                Column("Коммунальный ресурс", REQ),
                Column("Показание", REQ),
                Column("Дата снятия показания", REQ),
            ),
        ),
    ),
)

PAYMENT_DOCUMENTS = Template(
    "gis-payment-documents",
    _("ГИС ЖКХ: payment documents"),
    "Шаблон импорта платежных документов",
    (
        Sheet(
            "Разделы 1-2",
            (
                Column("№ записи", REQ),
                Column("Номер ЛС (иной идентификатор потребителя)", REQ),
                Column("Тип ПД", REQ),
                Column("Номер платежного документа", REQ),
                Column("Расчетный период (ММ.ГГГГ)", REQ),
                Column("Общая площадь, кв.м", OPT),
                Column("Количество проживающих, чел.", OPT),
                Column("Задолженность (+) / аванс (-) на начало периода, руб.", OPT),
                Column("Учтены платежи, поступившие до 25 числа, руб.", OPT),
                Column("Итого к оплате за расчетный период, руб.", REQ),
                Column("Сумма к оплате с учетом задолженности, руб.", OPT),
                Column("БИК банка", REQ),
                Column("Расчетный счет", REQ),
                Column("Идентификатор ПД в ГИС ЖКХ", OPT),  # assigned by ГИС ЖКХ
            ),
        ),
        Sheet(
            "Разделы 3-6",
            (
                Column("Номер платежного документа", REQ),
                Column("Услуга", REQ),
                Column("Способ определения объема", OPT),
                Column("Объем", OPT),
                Column("Единица измерения", OPT),
                Column("Тариф, руб.", OPT),
                Column("Начислено за расчетный период, руб.", OPT),
                Column("Перерасчеты, корректировки, руб.", OPT),
                Column("Итого к оплате, руб.", REQ),
            ),
        ),
        Sheet(
            "Неустойки",
            (
                Column("Номер платежного документа", REQ),
                Column("Вид начисления", REQ),
                Column("Основание", OPT),
                Column("Сумма, руб.", REQ),
            ),
        ),
    ),
)

PAYMENTS = Template(
    "gis-payments",
    _("ГИС ЖКХ: payments received"),
    "Шаблон импорта извещений о принятии к исполнению распоряжений",
    (
        Sheet(
            "Извещения",
            (
                Column("№ записи", REQ),
                Column("Номер ЛС (иной идентификатор потребителя)", REQ),
                Column("Номер платежного документа", OPT),
                Column("Идентификатор ПД в ГИС ЖКХ", OPT),
                Column("Сумма, руб.", REQ),
                Column("Дата внесения платы", REQ),
                Column("Расчетный период (ММ.ГГГГ)", OPT),
                Column("Уникальный номер платежа", REQ),
            ),
        ),
    ),
)

TEMPLATES = (ACCOUNTS, METERS, READINGS, PAYMENT_DOCUMENTS, PAYMENTS)
BY_SLUG = {t.slug: t for t in TEMPLATES}

# Columns whose header text and place were not confirmed against a template file (see the
# module's docstring): every sheet's list is the documented content, and these in
# particular were named from the regulations the templates follow.
UNCONFIRMED = {
    "Основные сведения": ["Наименование организации", "Идентификатор ЖКУ"],
    "Помещения": ["Код дома по ФИАС", "Доля внесения платы, %"],
    "Сведения о ПУ": ["Марка и модель ПУ", "Межповерочный интервал, лет"],
    "Разделы 1-2": ["Учтены платежи, поступившие до 25 числа, руб.", "Сумма к оплате с учетом задолженности, руб."],
    "Неустойки": ["Вид начисления", "Основание"],
    "Извещения": ["Уникальный номер платежа"],
}

# The drop-down values the templates use.
ACCOUNT_TYPE_RSO = "ЛС РСО"  # the account of a resource supplier with direct contracts
METER_KIND_INDIVIDUAL = "Индивидуальный"
DOCUMENT_TYPE_CURRENT = "Текущий"
PENALTY_KIND = "Пени"


def workbook(template: Template, rows: dict[str, list[list]]) -> bytes:
    """The template's workbook with `rows` per sheet name, in its columns' order. Text is
    written as text (a customer named "=cmd" stays a name, never a formula)."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet in template.sheets:
        page = book.create_sheet(sheet.name)
        for column, spec in enumerate(sheet.columns, start=1):
            cell = page.cell(row=1, column=column, value=spec.header)
            if spec.required:
                cell.font = bold
        for r, values in enumerate(rows.get(sheet.name, []), start=2):
            if len(values) != len(sheet.columns):  # a builder out of step with the spec
                raise ValueError(f"{sheet.name}: {len(values)} values for {len(sheet.columns)} columns")
            for c, value in enumerate(values, start=1):
                cell = page.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
