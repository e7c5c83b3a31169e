"""The words of the release in Dutch and English: titles, the caveats readers must
know and the data licence.

The descriptions of the marts and their columns, in English and in Dutch, come
from dbt's manifest (opendata/contents.py): a mart's from its YAML (description,
meta.description_nl), a column's from the doc blocks of its name
(models/_columns__docs.md, models/_columns_nl__docs.md) or its YAML.
"""

from __future__ import annotations

from typing import Final

TITLE: Final = {
    "nl": "Het internet. Ook uw zaak. - de cijfers van het VLAIO-project (2015-2021)",
    "en": (
        "Het internet. Ook uw zaak. - the figures of the VLAIO programme (2015-2021)"
    ),
}

DESCRIPTION: Final = {
    "nl": (
        "De cijfers van het VLAIO-project 'Het internet. Ook uw zaak.' "
        "(e-commercesensibilisering van Vlaamse handelaars, november 2015 tot eind "
        "2020) uit het schriftelijk antwoord van de minister in het Vlaams Parlement: "
        "infosessies en deelnemers per provincie en jaar (2018 en 2019; 2020-2021 nog "
        "niet gerapporteerd), e-scans en websitebezoekers per periode, de gedateerde "
        "feiten, afgeleide cijfers en de controle tegen de gepubliceerde totalen. Wat "
        "niet gerapporteerd is, staat als leeg, nooit als nul."
    ),
    "en": (
        "The figures of the VLAIO programme 'Het internet. Ook uw zaak.' (e-commerce "
        "awareness for Flemish retailers, November 2015 to the end of 2020) from the "
        "minister's written answer in the Flemish Parliament: info sessions and "
        "participants per province and year (2018 and 2019; 2020-2021 not yet "
        "reported), e-scans and website visitors per period, the dated facts, derived "
        "figures and the reconciliation with the published totals. A figure that was "
        "not reported is empty, never zero."
    ),
}

KEYWORDS: Final = {
    "nl": [
        "e-commerce",
        "detailhandel",
        "VLAIO",
        "infosessies",
        "e-scan",
        "Vlaanderen",
    ],
    "en": ["e-commerce", "retail", "VLAIO", "info sessions", "e-scan", "Flanders"],
}

SOURCE: Final = {
    "title": (
        "Vlaams Parlement, schriftelijke vraag en antwoord: Digitale transformatie "
        "ondernemers - Evaluatie project 'Het internet. Ook uw zaak.'"
    ),
    "note_nl": "Kopie in de broncode: docs/source/parliamentary_answer.txt",
    "note_en": "Copy in the source code: docs/source/parliamentary_answer.txt",
}

# The caveats of the README, for the "Lees mij - Read me" sheet.
CAVEATS: Final = [
    (
        "De eerste periode van e-scans en websitebezoekers duurt veertien maanden "
        "(november 2015 tot december 2016). Vergelijk periodes met de cijfers per "
        "maand.",
        "The first period of e-scans and website visitors lasts fourteen months "
        "(November 2015 to December 2016). Compare periods with the per-month "
        "figures.",
    ),
    (
        "De rapporteringen van de infosessies voor 2020-2021 moesten nog ingediend "
        "worden (de periode werd door COVID-19 verlengd tot eind juni 2021). Die "
        "jaren staan er met status 'pending' en lege cijfers; de totalen over de "
        "looptijd tellen alleen de gerapporteerde jaren 2018 en 2019.",
        "The 2020-2021 info-session reports were still to be submitted (COVID-19 "
        "extended the period to the end of June 2021). Those years have status "
        "'pending' and empty figures; the whole-run totals count the reported years "
        "2018 and 2019 only.",
    ),
    (
        "'Bezoekers' kunnen websitesessies zijn: het antwoord noemt de kolom zowel "
        "'# sessies' als 'bezoekers'.",
        "'Visitors' may be website sessions: the answer heads the column both "
        "'# sessies' and 'bezoekers'.",
    ),
    (
        "E-scans zijn niet gekoppeld aan adressen of gemeenten: er bestaat geen "
        "verdeling per provincie (not_collected). Voor websitebezoekers vraagt de "
        "vraag er geen en geeft het antwoord er geen (not_reported).",
        "E-scans are not linked to addresses or municipalities: there is no "
        "breakdown per province (not_collected). For website visitors the question "
        "asks for none and the answer gives none (not_reported).",
    ),
    (
        "Een leeg vak is een onbekend cijfer, geen nul.",
        "An empty cell is an unknown figure, not a zero.",
    ),
    (
        "Bevolking en gemeenten komen van Statbel, niet uit het antwoord; de "
        "gemeentefusies van 2019 veranderen het aantal gemeenten tussen 2018 en 2019.",
        "Population and municipalities come from Statbel, not from the answer; the "
        "2019 municipal mergers change the number of municipalities between 2018 and "
        "2019.",
    ),
]

LICENCE: Final = {
    "id": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "legal_code_url": "https://creativecommons.org/licenses/by/4.0/legalcode",
    "eu_vocabulary": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    "attribution": (
        "Bron/Source: open data 'Het internet. Ook uw zaak.', op basis van het "
        "schriftelijk antwoord in het Vlaams Parlement over het project"
    ),
}


LICENCE_NOTICE: Final = """\
De gegevens van deze release / The data of this release
========================================================

Nederlands
----------
De bestanden van deze release (CSV, Parquet, Excel, het datapakket en de
metadata) mogen vrij hergebruikt worden onder de licentie Creative Commons
Naamsvermelding 4.0 Internationaal (CC BY 4.0), waarvan de volledige tekst
hieronder volgt. Vermeld de bron, bijvoorbeeld:

    {attribution}

De cijfers zelf komen uit een openbaar document: het schriftelijk antwoord
van de minister in het Vlaams Parlement. De referentiecijfers (bevolking,
gemeenten) komen van Statbel.

English
-------
The files of this release (CSV, Parquet, Excel, the data package and the
metadata) may be reused freely under the Creative Commons Attribution 4.0
International licence (CC BY 4.0), whose full text follows. Name the source,
for example:

    {attribution}

The figures themselves come from a public document: the minister's written
answer in the Flemish Parliament. The reference figures (population,
municipalities) come from Statbel.

The code that builds these files is licensed under the EUPL-1.2 (the file
LICENSE of the source code).

----------------------------------------------------------------------------

"""

README_SHEET: Final = "Lees mij - Read me"
