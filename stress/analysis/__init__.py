"""Analyses built on the model and engine; they return pandas frames for the report layer."""
