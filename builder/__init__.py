"""fiches: publishes a collectivité's projet d'administration from one validated source."""

__version__ = "0.1.0"
