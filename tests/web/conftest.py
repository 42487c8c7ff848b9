from tests.api.fixtures import anonymous, app, signed, world

__all__ = ["anonymous", "app", "signed", "world"]
