"""The back office's reports: the utility's figures across customers, filtered and exported.

Design overview
---------------
* One selector module per report (debtors, billing, readings, consumption, payments,
  turnover). Each offers `rows(filters) -> list[<its dataclass>]`, read with aggregate
  queries (GROUP BY, window functions): a handful of queries whatever the number of
  accounts, never one per account. The dashboard composes them for one month.
* `Filters` is what every report is asked for (period, service, building, street); a
  report reads the filters that mean something for it and says which (`Report.filters`):
  a debt is an account's, not a service's, so the debtors' list has no service filter.
* A report's `columns` say how to show and export its rows (text, a date, an integer,
  a quantity, money). The page and the CSV and XLSX files are written from the same
  columns (export.py), through kabinet.lib.spreadsheet's formula-safe cells.
* Figures are the ledger's and the allocation's (payments.allocation: credits cover
  the oldest debit first), never a second definition of what is owed.
* Who opens them: the permission office.view_reports (office.roles).
"""
