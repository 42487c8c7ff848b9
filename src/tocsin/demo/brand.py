"""The fictional world: Cafélia, a French coffee-shop chain, its rival Brewster, and the watches a
social-media manager would set up for them.

Cafélia and Brewster are invented for the demo; neither is a large real brand (a Lisbon grocer
sells a coffee blend called "Cafélia", and some independent cafés are called "Brewster's").
"""

from __future__ import annotations

from tocsin.demo.truth import BrandInfo
from tocsin.domain import Author, Watch, WatchKind

BRAND = "Cafélia"
CAMPAIGN_TAG = "CaféliaMoments"
COMPETITOR = "Brewster"
WEBSITE = "https://www.cafelia.fr"

BRAND_INFO = BrandInfo(
    name=BRAND,
    sector="coffee-shop chain (France, Belgium, Switzerland, Québec, UK), home espresso machines",
    website=WEBSITE,
    handles={
        "x": ("cafelia", "cafelia_aide"),
        "bluesky": ("cafelia.fr",),
        "mastodon": ("cafelia@piaille.fr",),
    },
    campaign_hashtags=(CAMPAIGN_TAG,),
    products=("latte noisette", "flat white", "cold brew", "chaï latte", "Cafélia Duo machine"),
    competitor=COMPETITOR,
    competitor_handles={"x": ("brewster",), "bluesky": ("brewster.coffee",)},
)

WATCH_BRAND = "cafelia"
WATCH_CAMPAIGN = "cafelia-moments"
WATCH_COMPETITOR = "brewster"

WATCHES: list[Watch] = [
    Watch(
        id=WATCH_BRAND,
        query="cafélia OR cafelia OR @cafelia OR #cafelia",
        kind=WatchKind.BRAND,
        name="Cafélia (brand)",
    ),
    Watch(
        id=WATCH_CAMPAIGN,
        query="#CaféliaMoments",
        kind=WatchKind.CAMPAIGN,
        name="#CaféliaMoments campaign",
    ),
    Watch(
        id=WATCH_COMPETITOR,
        query="brewster OR @brewster",
        kind=WatchKind.COMPETITOR,
        name="Brewster (competitor)",
    ),
]

# -- accounts with a role in the story ----------

BRAND_X = Author("x", "1346722209", "cafelia", "Cafélia ☕", 48_300, True)
BRAND_CARE_X = Author(
    "x", "1498211047711232001", "cafelia_aide", "Cafélia Service Client", 6_120, True
)
BRAND_BSKY = Author(
    "bluesky", "did:plc:k4fq2xw7nmrcafelia3o2bze", "cafelia.fr", "Cafélia", 9_870, None
)
BRAND_MASTO = Author("mastodon", "109338712224455667", "cafelia@piaille.fr", "Cafélia", 2_450, None)
COMPETITOR_X = Author("x", "2841550316", "brewster", "Brewster Coffee", 131_000, True)

CELEBRITY = Author("x", "228817364", "noravance", "Nora Vance", 4_210_000, True)
BLOGGER_X = Author("x", "431099228", "julienmorel_", "Julien Morel", 2_310, False)
BLOG_SITE = Author("web", "carnetdejulien.fr/Julien Morel", "carnetdejulien.fr", "Julien Morel")
BLOG_TITLE = (
    "Cafélia Duo : ma machine en panne au bout de trois semaines, "
    "et un service client aux abonnés absents"
)
BLOG_SLUG = "cafelia-duo-panne-service-client"
