"""The figures of the parliamentary answer, transcribed a second time, by hand, from
the printed tables, so that the tests compare the warehouse with the answer and not
with its own seeds."""

from __future__ import annotations

# Question 2: (province, year) -> (sessions "sess", participants "deeln")
INFO_SESSIONS: dict[tuple[str, int], tuple[int, int]] = {
    ("ANT", 2018): (13, 536),
    ("LIM", 2018): (12, 331),
    ("OVL", 2018): (25, 853),
    ("VBR", 2018): (11, 273),
    ("WVL", 2018): (28, 829),
    ("ANT", 2019): (11, 382),
    ("LIM", 2019): (9, 249),
    ("OVL", 2019): (11, 445),
    ("VBR", 2019): (3, 36),
    ("WVL", 2019): (39, 1195),
}

# Question 2, row "tot": year -> (sessions, participants)
INFO_SESSION_TOTALS: dict[int, tuple[int, int]] = {
    2018: (89, 2822),
    2019: (73, 2307),
}

# Question 3: period as printed -> e-scans; and the row "Totaal"
ESCANS: dict[str, int] = {
    "nov 2015- dec 2016": 1138,
    "2017": 173,
    "2018": 839,
    "2019": 295,
    "2020": 646,
}
ESCANS_TOTAL = 3091

# Question 4: period as printed -> visitors (printed "50.668"); and the row "Totaal"
WEBSITE_VISITORS: dict[str, int] = {
    "nov 2015- dec 2016": 50668,
    "2017": 5051,
    "2018": 30359,
    "2019": 34384,
    "2020": 55798,
}
WEBSITE_VISITORS_TOTAL = 176260
