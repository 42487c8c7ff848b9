"""Model files shipped with Tocsin, built by ``scripts/train_models.py`` (numpy ``.npz``).

See ``docs/models/`` for each model's card: data, licences, validation figures.
"""
