"""Rempart: a self-hosted, offline cyber-defense kit for election campaigns."""

__version__ = "0.1.0"
