"""Rendering results: console (rich), workbook (openpyxl), JSON. Consumes results only."""
