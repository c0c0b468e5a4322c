"""Reporting: statements, reports, segments, exports and the day's activity, and spreadsheet CSV.

What goes out to people and spreadsheets, and the CSV that comes in from them. Modules
here read a shop; they record nothing (imports record through the programme's rules).
"""
