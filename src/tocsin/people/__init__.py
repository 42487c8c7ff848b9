"""People: pseudonymised authors, the conversation graph and influence per watch.

from tocsin.people import InteractionGraph, WatchInfluence, author_key, interactions_from
graph = InteractionGraph(half_life=timedelta(days=7))
change = graph.add(interactions)            # Interaction(source, target, kind, at), keys
watch = WatchInfluence()
watch.activate(graph, active_author_keys)   # personalisation: authors active in the watch
watch.recompute(graph)                      # full; then, after every graph.add:
watch.update(graph, change)                 # incremental, same certified tolerance
watch.top(graph, 20)
"""

from tocsin.people.authors import AuthorIndex
from tocsin.people.graph import DEFAULT_HALF_LIFE, GraphChange, InteractionGraph
from tocsin.people.influence import (
    Convergence,
    InfluenceConfig,
    Influencer,
    WatchInfluence,
)
from tocsin.people.interactions import (
    KIND_WEIGHTS,
    Interaction,
    InteractionKind,
    interactions_from,
)
from tocsin.people.pseudonym import author_key, new_secret, pseudonymiser
from tocsin.people.rising import InfluenceSnapshot, RisingVoice, rising_voices

__all__ = [
    "DEFAULT_HALF_LIFE",
    "KIND_WEIGHTS",
    "AuthorIndex",
    "Convergence",
    "GraphChange",
    "InfluenceConfig",
    "InfluenceSnapshot",
    "Influencer",
    "Interaction",
    "InteractionGraph",
    "InteractionKind",
    "RisingVoice",
    "WatchInfluence",
    "author_key",
    "interactions_from",
    "new_secret",
    "pseudonymiser",
    "rising_voices",
]
