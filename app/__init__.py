"""Gyrus: learn the mathematics behind deep learning with the Green-Yellow-Red method."""
