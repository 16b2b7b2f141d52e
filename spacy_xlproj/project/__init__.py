"""Projection algorithms: spaCy-free, on word indices."""
