"""Region Skåne's comparison: every tätort of a län screened against the selection criteria.

* ``screening`` — the rules and the screened rows; ``page`` — what the comparison notebook shows;
* ``charts`` — distributions and the län map; ``export`` — Excel and CSV with Swedish headers.
"""
