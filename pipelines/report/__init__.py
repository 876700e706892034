"""Report: what readers see. Number formats, the published-cell rule, charts, notebook helpers, pages,
Excel.
"""
