"""The public URLs every quality check covers (HTML validity, axe-core, small screens).

A new public page is one more line here; a new fragment, one more line in FRAGMENTS.
"""

PUBLIC_PAGES = [
    "/",
    "/programme",
    "/infos-pratiques",
    "/forum",
    "/accessibilite",
    "/mentions-legales",
    "/donnees-personnelles",
    "/inscription",
    "/page-qui-n-existe-pas",
]

# URLs that answer a fragment to an htmx GET (HX-Request: true).
FRAGMENTS = [
    "/programme",
    "/infos-pratiques",
    "/forum",
    "/inscription",
]
