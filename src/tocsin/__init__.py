"""Tocsin: listen to what is said of a brand, and ring the bell early."""

__version__ = "0.1.0.dev0"
