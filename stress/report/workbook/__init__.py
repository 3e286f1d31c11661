"""The credit-review Excel workbook (``stress report``): build it, and write it without losing anything.

    wb = build_workbook(results, scenarios)          # an openpyxl Workbook
    path = write_report(results, scenarios, out=None) # reports/<ticker>-<as_of>-<timestamp>.xlsx
"""

from stress.report.workbook.build import build_workbook
from stress.report.workbook.write import default_report_path, write_report

__all__ = ["build_workbook", "default_report_path", "write_report"]
